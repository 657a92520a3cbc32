#ifndef CITYWATCH_CZLIB_SHIM_H
#define CITYWATCH_CZLIB_SHIM_H
#include <zlib.h>
#endif
