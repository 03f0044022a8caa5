#ifndef CSFCURL_SHIM_H
#define CSFCURL_SHIM_H
#include <curl/curl.h>

/* curl_easy_setopt and curl_easy_getinfo are C variadics, which Swift cannot call:
   these typed wrappers are the only way the Swift side touches them. */
static inline CURLcode sfcurl_setopt_string(CURL *c, CURLoption o, const char *v) { return curl_easy_setopt(c, o, v); }
static inline CURLcode sfcurl_setopt_long(CURL *c, CURLoption o, long v) { return curl_easy_setopt(c, o, v); }
static inline CURLcode sfcurl_setopt_ptr(CURL *c, CURLoption o, void *v) { return curl_easy_setopt(c, o, v); }
static inline CURLcode sfcurl_setopt_slist(CURL *c, CURLoption o, struct curl_slist *v) { return curl_easy_setopt(c, o, v); }
static inline CURLcode sfcurl_setopt_offt(CURL *c, CURLoption o, curl_off_t v) { return curl_easy_setopt(c, o, v); }

typedef size_t (*sfcurl_data_cb)(char *, size_t, size_t, void *);
typedef int (*sfcurl_xferinfo_cb)(void *, curl_off_t, curl_off_t, curl_off_t, curl_off_t);

static inline CURLcode sfcurl_setopt_writefunction(CURL *c, sfcurl_data_cb f) { return curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, f); }
static inline CURLcode sfcurl_setopt_headerfunction(CURL *c, sfcurl_data_cb f) { return curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, f); }
static inline CURLcode sfcurl_setopt_xferinfofunction(CURL *c, sfcurl_xferinfo_cb f) { return curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, f); }

static inline CURLcode sfcurl_getinfo_long(CURL *c, CURLINFO i, long *v) { return curl_easy_getinfo(c, i, v); }
static inline CURLcode sfcurl_getinfo_double(CURL *c, CURLINFO i, double *v) { return curl_easy_getinfo(c, i, v); }
#endif
