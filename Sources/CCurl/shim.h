#ifndef FLUSHBENCH_CCURL_SHIM_H
#define FLUSHBENCH_CCURL_SHIM_H

#include <curl/curl.h>

// Swift cannot call C variadic functions, so every curl_easy_setopt/curl_multi_setopt
// argument kind gets one typed, prefixed wrapper (like swift-nio's CNIOLinux shims).

static inline CURLcode ccurl_easy_setopt_long(CURL *_Nonnull handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode ccurl_easy_setopt_off_t(CURL *_Nonnull handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode ccurl_easy_setopt_string(CURL *_Nonnull handle, CURLoption option, const char *_Nullable value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode ccurl_easy_setopt_pointer(CURL *_Nonnull handle, CURLoption option, void *_Nullable value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode ccurl_easy_setopt_slist(CURL *_Nonnull handle, CURLoption option, struct curl_slist *_Nullable value) {
    return curl_easy_setopt(handle, option, value);
}

typedef size_t (*ccurl_data_callback)(char *_Nonnull buffer, size_t size, size_t count, void *_Nullable userdata);

static inline CURLcode ccurl_easy_setopt_data_callback(CURL *_Nonnull handle, CURLoption option, ccurl_data_callback _Nullable callback) {
    return curl_easy_setopt(handle, option, callback);
}

typedef int (*ccurl_seek_callback)(void *_Nullable userdata, curl_off_t offset, int origin);

static inline CURLcode ccurl_easy_setopt_seek_callback(CURL *_Nonnull handle, CURLoption option, ccurl_seek_callback _Nullable callback) {
    return curl_easy_setopt(handle, option, callback);
}

static inline CURLcode ccurl_easy_getinfo_long(CURL *_Nonnull handle, CURLINFO info, long *_Nonnull value) {
    return curl_easy_getinfo(handle, info, value);
}

static inline CURLcode ccurl_easy_getinfo_pointer(CURL *_Nonnull handle, CURLINFO info, void *_Nullable *_Nonnull value) {
    return curl_easy_getinfo(handle, info, value);
}

static inline CURLMcode ccurl_multi_setopt_long(CURLM *_Nonnull handle, CURLMoption option, long value) {
    return curl_multi_setopt(handle, option, value);
}

#endif
