"""Fakes of cloud peers that moto cannot play (see fake_sts.py)."""
