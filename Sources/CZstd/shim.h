#ifndef CITYWATCH_CZSTD_SHIM_H
#define CITYWATCH_CZSTD_SHIM_H
// Stable libzstd API only: the shared library does not export the static-only symbols.
#include <zstd.h>
#include <zdict.h>
#include <zstd_errors.h>
#endif
