#ifndef CSFYAML_SHIM_H
#define CSFYAML_SHIM_H
#include <yaml.h>
#endif
