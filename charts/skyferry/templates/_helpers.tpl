{{/* Chart name, overridable. */}}
{{- define "skyferry.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Fully qualified app name: the release name when it already contains the chart name. */}}
{{- define "skyferry.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "skyferry.webhookName" -}}
{{- printf "%s-webhook" (include "skyferry.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "skyferry.selectorLabels" -}}
app.kubernetes.io/name: {{ include "skyferry.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: webhook
{{- end }}

{{- define "skyferry.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "skyferry.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "skyferry.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{- define "skyferry.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "skyferry.webhookName" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "skyferry.tlsSecretName" -}}
{{- printf "%s-tls" (include "skyferry.webhookName" .) }}
{{- end }}

{{/* The DNS name the API server calls. */}}
{{- define "skyferry.serviceHost" -}}
{{- printf "%s.%s.svc" (include "skyferry.webhookName" .) .Release.Namespace }}
{{- end }}
