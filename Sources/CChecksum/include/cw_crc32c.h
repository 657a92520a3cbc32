#ifndef CW_CRC32C_H
#define CW_CRC32C_H
#include <stddef.h>
#include <stdint.h>

/// CRC-32C (Castagnoli), the checksum of the edge spool's records. `crc` is the running value
/// (0 to start); hardware instructions when the CPU has them, a table otherwise.
uint32_t cw_crc32c(uint32_t crc, const void *data, size_t length);

/// The table version alone (tests compare both).
uint32_t cw_crc32c_portable(uint32_t crc, const void *data, size_t length);

#endif
