// Per-pixel loops of the edge agent's detection, in C so that clang vectorises them.
//
// Why C: Swift 6.3's SIMD comparison and mask operations compile to per-lane loops on this
// toolchain (measured: the whole pipeline ran 5x slower with explicit SIMD types), and plain
// Swift loops with bounds-checked, overflow-checked arithmetic do not vectorise. The same loops in
// C are vectorised by clang at -O2. Every kernel is checked against the plain rules, written
// out in Swift, by Tests/EdgeAgentTests (MotionDetectorTests, SmokeFireScanTests,
// FrameStatisticsTests). Signed right shifts are arithmetic on every compiler Swift supports.
#ifndef CITYWATCH_VISION_KERNELS_H
#define CITYWATCH_VISION_KERNELS_H

#include <stddef.h>
#include <stdint.h>

/// Box-averages `cell`×`cell` blocks of an 8-bit plane (`frame_width` bytes per row) into a
/// `grid_width`×`grid_height` grid. `row_sums` holds `grid_width * cell` entries of scratch.
void cw_box_downsample(const uint8_t *src, size_t frame_width, size_t grid_width, size_t grid_height,
                       size_t cell, uint16_t *row_sums, uint8_t *dst);

/// Motion threshold over `n` cells: `mask[i]` = 1 when |grid − background/256| exceeds the
/// threshold (raised by (activity − 100)/2 on busy cells when `adaptive`) and the cell is not
/// masked out; activity += (255·moved − activity) / 16. Returns the number of moved cells.
size_t cw_motion_threshold(const uint8_t *grid, const uint16_t *background, uint8_t *activity,
                           const uint8_t *masked_out, uint8_t *mask, size_t n, int threshold, int adaptive);

/// Background running average in 8.8 fixed point: bg += (grid·256 − bg) >> s, s = `slow_shift`
/// where the cell moved and `shift` elsewhere; a step that rounds to 0 moves by one unit.
void cw_motion_adapt(const uint8_t *grid, const uint8_t *mask, uint16_t *background, size_t n, int shift,
                     int slow_shift);

/// 3×3 binary dilation of a `width`×`height` mask (cells 0 or 1) as two separable passes through
/// `scratch` (same size) into `dst`; cells outside the mask count as 0.
void cw_dilate3x3(const uint8_t *src, uint8_t *scratch, uint8_t *dst, size_t width, size_t height);

/// Counts from one smoke/fire scan.
typedef struct {
    size_t flame;
    size_t flicker;
    size_t smoke;
} cw_smoke_fire_counts;

/// One row of the smoke/fire lattice: `count` samples at luma `luma[4c]`, chroma `cb[2c]`,
/// `cr[2c]`; `background` and `previous_flame` hold `count + 1` entries (the last one is the
/// texture neighbour of the sample before it and is only updated). Adds to `counts`.
void cw_smoke_fire_row(const uint8_t *luma, const uint8_t *cb, const uint8_t *cr, uint8_t *background,
                       uint8_t *previous_flame, size_t count, cw_smoke_fire_counts *counts);

/// Sums over the luma samples at even rows and columns (rows < height − 2, columns < width − 2):
/// values, squares, and |v − right-by-2| + |v − down-by-2|.
typedef struct {
    uint64_t sum;
    uint64_t sum_squares;
    uint64_t gradient;
    uint64_t count;
} cw_frame_sums;

void cw_frame_sums_measure(const uint8_t *luma, size_t width, size_t height, cw_frame_sums *sums);

#endif
