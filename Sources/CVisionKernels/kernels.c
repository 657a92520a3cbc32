#include "CVisionKernels.h"

void cw_box_downsample(const uint8_t *src, size_t frame_width, size_t grid_width, size_t grid_height,
                       size_t cell, uint16_t *row_sums, uint8_t *dst) {
    const size_t width = grid_width * cell;
    const size_t divisor = cell * cell;
    for (size_t gy = 0; gy < grid_height; gy++) {
        const uint8_t *first = src + gy * cell * frame_width;
        for (size_t x = 0; x < width; x++) row_sums[x] = first[x];
        for (size_t r = 1; r < cell; r++) {
            const uint8_t *row = first + r * frame_width;
            for (size_t x = 0; x < width; x++) row_sums[x] = (uint16_t)(row_sums[x] + row[x]);
        }
        uint8_t *out = dst + gy * grid_width;
        if (cell == 4) {
            for (size_t gx = 0; gx < grid_width; gx++) {
                const uint16_t *s = row_sums + 4 * gx;
                out[gx] = (uint8_t)((s[0] + s[1] + s[2] + s[3]) >> 4);
            }
        } else {
            for (size_t gx = 0; gx < grid_width; gx++) {
                unsigned sum = 0;
                for (size_t k = 0; k < cell; k++) sum += row_sums[gx * cell + k];
                out[gx] = (uint8_t)(sum / divisor);
            }
        }
    }
}

void cw_dilate3x3(const uint8_t *src, uint8_t *scratch, uint8_t *dst, size_t width, size_t height) {
    if (width == 0 || height == 0) return;
    for (size_t y = 0; y < height; y++) {
        const uint8_t *s = src + y * width;
        uint8_t *t = scratch + y * width;
        if (width == 1) {
            t[0] = s[0];
            continue;
        }
        t[0] = s[0] | s[1];
        for (size_t x = 1; x + 1 < width; x++) t[x] = s[x - 1] | s[x] | s[x + 1];
        t[width - 1] = s[width - 2] | s[width - 1];
    }
    for (size_t y = 0; y < height; y++) {
        const uint8_t *above = scratch + (y > 0 ? y - 1 : y) * width;
        const uint8_t *row = scratch + y * width;
        const uint8_t *below = scratch + (y + 1 < height ? y + 1 : y) * width;
        uint8_t *d = dst + y * width;
        for (size_t x = 0; x < width; x++) d[x] = above[x] | row[x] | below[x];
    }
}

size_t cw_motion_threshold(const uint8_t *grid, const uint16_t *background, uint8_t *activity,
                           const uint8_t *masked_out, uint8_t *mask, size_t n, int threshold, int adaptive) {
    unsigned changed = 0;
    const int raise = adaptive ? 1 : 0;
    for (size_t i = 0; i < n; i++) {
        int diff = (int)grid[i] - (int)(background[i] >> 8);
        diff = diff < 0 ? -diff : diff;
        const int a = activity[i];
        int busy = a - 100;
        busy = busy > 0 ? busy : 0;
        const int limit = threshold + ((busy >> 1) & -raise);
        const int moved = (diff > limit) & (masked_out[i] == 0);
        mask[i] = (uint8_t)moved;
        changed += (unsigned)moved;
        activity[i] = (uint8_t)(a + ((moved * 255 - a) >> 4));
    }
    return changed;
}

void cw_motion_adapt(const uint8_t *grid, const uint8_t *mask, uint16_t *background, size_t n, int shift,
                     int slow_shift) {
    for (size_t i = 0; i < n; i++) {
        const int target = (int)grid[i] << 8;
        const int current = background[i];
        const int s = mask[i] ? slow_shift : shift;
        const int step = (target - current) >> s;
        const int sign = (target > current) - (target < current);
        background[i] = (uint16_t)(current + (step != 0 ? step : sign));
    }
}

void cw_smoke_fire_row(const uint8_t *luma, const uint8_t *cb, const uint8_t *cr, uint8_t *background,
                       uint8_t *previous_flame, size_t count, cw_smoke_fire_counts *counts) {
    unsigned flame_count = 0, flicker = 0, smoke = 0;
    for (size_t c = 0; c < count; c++) {
        const int y = luma[4 * c], u = cb[2 * c], v = cr[2 * c];
        const int b = background[c];
        const int flame = (y > 150) & (v > 150) & (u < 115) & (v - u > 45);
        flame_count += (unsigned)flame;
        flicker += (unsigned)(flame != previous_flame[c]);
        previous_flame[c] = (uint8_t)flame;
        const int du = u - 128, dv = v - 128;
        const int grey = ((du < 0 ? -du : du) + (dv < 0 ? -dv : dv)) < 18;
        const int lift = y - b;
        const int veiled = (lift >= 10) & (lift <= 90);
        const int texture = y - luma[4 * c + 4];
        const int bg_texture = b - background[c + 1];
        const int flat = (texture < 0 ? -texture : texture) <= (bg_texture < 0 ? -bg_texture : bg_texture);
        smoke += (unsigned)(grey & veiled & flat);
        background[c] = (uint8_t)(b + lift / 64);
    }
    const int last = background[count];
    background[count] = (uint8_t)(last + (luma[4 * count] - last) / 64);
    counts->flame += flame_count;
    counts->flicker += flicker;
    counts->smoke += smoke;
}

void cw_frame_sums_measure(const uint8_t *luma, size_t width, size_t height, cw_frame_sums *sums) {
    uint64_t sum = 0, squares = 0, gradient = 0, count = 0;
    for (size_t row = 0; row + 2 < height; row += 2) {
        const uint8_t *p = luma + row * width;
        const uint8_t *below = p + 2 * width;
        uint32_t row_sum = 0, row_squares = 0, row_gradient = 0;
        size_t x = 0;
        for (; x + 2 < width; x += 2) {
            const int v = p[x];
            const int right = v - p[x + 2], down = v - below[x];
            row_sum += (uint32_t)v;
            row_squares += (uint32_t)(v * v);
            row_gradient += (uint32_t)((right < 0 ? -right : right) + (down < 0 ? -down : down));
        }
        sum += row_sum;
        squares += row_squares;
        gradient += row_gradient;
        count += x / 2;
    }
    sums->sum = sum;
    sums->sum_squares = squares;
    sums->gradient = gradient;
    sums->count = count;
}
