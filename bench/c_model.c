/* A C model of fastact's float32 and float64 fast paths, to tell what bounds their speed.
 *
 *   gcc -O3 -mavx2 -mfma -mavx512f -mavx512vl -mavx512dq -mavx512bw \
 *       -mprefer-vector-width=512 -ffp-contract=off -fno-math-errno -fno-trapping-math \
 *       bench/c_model.c -o /tmp/c_model && /tmp/c_model
 *
 * (the flags of the avx512 kernels; on a CPU without AVX-512, the avx2 kernels' flags:
 * -O3 -mavx2 -mfma -ffp-contract=off -fno-math-errno -fno-trapping-math; `/tmp/c_model check`
 * runs the exhaustive comparison of the division-free quotient instead, `/tmp/c_model table`
 * the models of bench/targets.py's rows; `bench/targets.py --model` builds this file as a
 * shared library instead, -DC_MODEL_LIB, and times the loops with its rows). Each loop is one
 * piece of a kernel on 1 Mi elements (the softmax model on 1024 rows of 1000), timed best of
 * 31; G elements/s. The formulas follow
 * fastact/_kernels/_math.pxd.tp's fast paths (exp: Cody-Waite reduction, expm1 polynomial,
 * power of two from the exponent bits), not bit for bit: this is a cost model, not a kernel.
 * "exp" alone against "div" alone against "sigmoid" shows that sigmoid pays for both; "softmax
 * no sum" shows what the row sum (16 lanes, one dependency chain) costs; the GELU lines what
 * accuracy costs float32 GELU (see below). The "plain" and "floor" lines of Softplus, GELU's
 * tanh form and Tanhshrink are their formulas without the compensation their bounds need:
 * where even those run below a speed target, the target conflicts with the bound
 * (docs/performance.md, "cost models of the other exp-based targets"). The Softplus backward
 * lines put the kernel's formula beside the plain one; the tanh lines ask whether its division
 * bounds it, the SiLU lines what SiLU's bounds cost (docs/performance.md, "AMD Zen 3, the
 * avx2 level").
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define F __builtin_fmaf
#define D __builtin_fma
static inline uint32_t fb(float v) { uint32_t u; memcpy(&u, &v, 4); return u; }
static inline float bf(uint32_t u) { float v; memcpy(&v, &u, 4); return v; }
static inline uint64_t db(double v) { uint64_t u; memcpy(&u, &v, 8); return u; }
static inline double bd(uint64_t u) { double v; memcpy(&v, &u, 8); return v; }

static inline float em32(float r) {  /* expm1(r), |r| <= ln2/2 */
    float q = 0.0013882518962190438662f;
    q = F(q, r, 0.0083665207186139970910f); q = F(q, r, 0.041667199896141676509f);
    q = F(q, r, 0.16666543619531338586f); q = F(q, r, 0.4999999815394635669f);
    return F(r * r, q, r);
}
static inline float exp32(float y, int32_t* k) {  /* exp(y) = result 2^k */
    float t = F(y, 1.44269502162933350f, 12582912.0f), kf = t - 12582912.0f;
    *k = (int32_t)(fb(t) - fb(12582912.0f));
    return 1.f + em32(F(kf, 2.12194441701285541e-4f, F(kf, -0.693359375f, y)));
}
static inline float pow2_32(int32_t k) { return bf((uint32_t)(k + 127) << 23); }
static inline float exp_f32(float x) { int32_t k; float p = exp32(bf(fb(x) | 0x80000000u), &k); return p * pow2_32(k); }
static inline float div_f32(float x) { return 1.f / x; }
static inline float sigmoid_f32(float x) {
    float e = exp_f32(x);
    return (x >= 0.f ? 1.f : e) / (1.f + e);
}
static inline double em64(double r) {
    double q = 2.0875328999232451509e-09;
    q = D(q, r, 2.5108979097197494431e-08); q = D(q, r, 2.7557402646205433734e-07);
    q = D(q, r, 2.7557244373543626508e-06); q = D(q, r, 2.4801587172534042069e-05);
    q = D(q, r, 0.00019841269885966602449); q = D(q, r, 0.0013888888888962373527);
    q = D(q, r, 0.0083333333333216912491); q = D(q, r, 0.041666666666666508775);
    q = D(q, r, 0.16666666666666676508); q = D(q, r, 0.50000000000000000085);
    return D(r * r, q, r);
}
static inline double pow2_64(int64_t k) { return bd((uint64_t)(k + 1023) << 52); }
static inline double red64(double y, int64_t* k) {  /* y = k ln2 + r */
    double t = D(y, 1.44269504088896338700, 6755399441055744.0), kf = t - 6755399441055744.0;
    *k = (int64_t)(db(t) - db(6755399441055744.0));
    return D(kf, -1.90821492927058770002e-10, D(kf, -6.93147180369123816490e-01, y));
}
static inline double exp_any_f64(double y) { int64_t k; double r = red64(y, &k); return (1.0 + em64(r)) * pow2_64(k); }
static inline double exp_f64(double x) { return exp_any_f64(bd(db(x) | 0x8000000000000000ull)); }  /* exp(-|x|) */
static inline double div_f64(double x) { return 1.0 / x; }
static inline double sigmoid_f64(double x) {  /* with the float64 kernel's quotient correction */
    double e = exp_f64(x), d = 1.0 + e, n = x >= 0.0 ? 1.0 : e;
    double delta = (1.0 - d) + e, q = n / d, w = x >= 0.0 ? q : 1.0 - q;
    return D(D(-q, delta, D(-q, d, n)), w, q);
}

/* GELU float32, three ways (1 Mi elements, x uniform in [-6, 6]):
 * - "PyTorch's formula": x/2 (1 + erf(x/sqrt2)) with the textbook erf of Abramowitz and
 *   Stegun 7.1.26 (t = 1/(1 + p|z|), a degree-5 polynomial in t times exp(-z^2)), the shape of
 *   a vectorized float erf: one division, one exp, no compensation; 57 % off at x = -5.5.
 * - "fastact (double)": the float32 kernel's light core (_math.pxd.tp, gelu_light_phi): double
 *   exp(-a^2/2) (Taylor degree 8), y = 2a/(a + KS) - 1 and 1/(2 (1 + sqrt2 a)) from one division,
 *   g(y) of degree 12, on 8 lanes.
 * - "float floor": the same formula in float on 16 lanes without any compensation: no float32
 *   kernel within 2 ULP can be cheaper (it needs the exact argument of the exp, the quotient's
 *   and g's last roundings as hi + lo pairs on top: about 80 operations against 45 here). */
/* g(y): 13 terms as the kernel's (_math.pxd.tp, GELU['G32']); the cost does not depend on the
 * coefficients, so these are stand-ins of the same size (|g| stays near 1 on y in [-1, 1)) */
static const double G32[] = {1e-4, -3e-4, 5e-4, 1e-3, -9e-3, 0.027, -0.057, 0.092, -0.11,
                             0.085, 1.6e-3, -0.14, 1.24};
static inline float gelu_torchlike_f32(float x) {
    float z = x * 0.70710678118654752f, a = z < 0.f ? -z : z;
    float t = 1.f / F(0.3275911f, a, 1.f);
    float p = F(F(F(F(1.061405429f, t, -1.453152027f), t, 1.421413741f), t, -0.284496736f), t,
                0.254829592f) * t;
    float e = exp_f32(-a * a);  /* (exp_f32 takes -|y|) */
    float erf_a = F(-p, e, 1.f);
    return 0.5f * x * (1.f + (z < 0.f ? -erf_a : erf_a));
}
static inline double em64_light(double r) {
    double q = 1.0 / 40320;
    q = D(q, r, 1.0 / 5040); q = D(q, r, 1.0 / 720); q = D(q, r, 1.0 / 120);
    q = D(q, r, 1.0 / 24); q = D(q, r, 1.0 / 6); q = D(q, r, 0.5);
    return D(r * r, q, r);
}
static inline float gelu_fastact_f32(float xf) {
    double x = xf, a = x < 0 ? -x : x, ac = x < 0 ? (a > 15 ? 15 : a) : (a > 6 ? 6 : a);
    double y0 = -0.5 * (ac * ac);
    double t = D(y0, 1.44269504088896338700, 6755399441055744.0), kf = t - 6755399441055744.0;
    int64_t k = (int64_t)(db(t) - db(6755399441055744.0));
    double r = D(kf, -1.90821492927058770002e-10, D(kf, -6.93147180369123816490e-01, y0));
    double e = (1.0 + em64_light(r)) * bd((uint64_t)(k + 1023) << 52);
    double d1 = ac + 5.25, d2 = D(ac, 2.8284271247461903, 2.0), w = 1.0 / (d1 * d2);
    double yy = ((ac + ac) * d2) * w - 1.0, g = G32[0];
#define G_STEP(i) g = D(g, yy, G32[i]);
    G_STEP(1) G_STEP(2) G_STEP(3) G_STEP(4) G_STEP(5) G_STEP(6) G_STEP(7) G_STEP(8) G_STEP(9)
    G_STEP(10) G_STEP(11) G_STEP(12)
    double ph = e * (g * (d1 * w));
    return (float)(x < 0 ? -(ac * ph) : x * (1.0 - ph));
}
static inline float gelu_floor_f32(float x) {
    float a = x < 0.f ? -x : x, ac = x < 0.f ? (a > 15.f ? 15.f : a) : (a > 6.f ? 6.f : a);
    float e = exp_f32(-0.5f * (ac * ac));
    float d1 = ac + 5.25f, d2 = F(ac, 2.8284271f, 2.f), w = 1.f / (d1 * d2);
    float yy = ((ac + ac) * d2) * w - 1.f, g = (float)G32[0];
#define GF_STEP(i) g = F(g, yy, (float)G32[i]);
    GF_STEP(1) GF_STEP(2) GF_STEP(3) GF_STEP(4) GF_STEP(5) GF_STEP(6) GF_STEP(7) GF_STEP(8)
    GF_STEP(9) GF_STEP(10) GF_STEP(11) GF_STEP(12)
    float ph = e * (g * (d1 * w));
    return x < 0.f ? -(ac * ph) : x * (1.f - ph);
}
/* Softplus and LogSigmoid: max(x, 0) + log1p(exp(-|x|)) (LogSigmoid: its negation at -x, the
 * same cost), with a plain float exp and fdlibm's log1p reduction without its compensation
 * (u = 1 + e rounded and its error dropped; s = f / (2 + f); R(s^2) with the series'
 * coefficients 2/3, 2/5, ... as stand-ins of the kernel's of the same degree: 4 terms float, 7
 * double). fastact's kernels add the exact error of 1 + e (c / u), the product beta x as hi + lo
 * carried into the exp, and the special values: this is the floor for the pair exp + log1p. */
static inline float log1p_plain_f32(float e) {  /* e in (0, 1] */
    float u = 1.f + e;
    uint32_t hu = fb(u) + (0x3f800000u - 0x3f3504f3u);
    int32_t k = (int32_t)(hu >> 23) - 127;
    float f = bf((hu & 0x7fffffu) + 0x3f3504f3u) - 1.f;
    float hfsq = (0.5f * f) * f, s = f / (2.f + f), z = s * s, w = z * z;
    float t1 = w * F(w, 2.f / 9, 2.f / 5), t2 = z * F(w, 2.f / 7, 2.f / 3), dk = (float)k;
    return F(s, hfsq + (t2 + t1), dk * 2.12194440e-4f) - hfsq + f + dk * 0.693359375f;
}
static inline float softplus_plain_f32(float x) { return (x > 0.f ? x : 0.f) + log1p_plain_f32(exp_f32(x)); }
static inline double log1p_plain_f64(double e) {
    double u = 1.0 + e;
    uint64_t hu = db(u) + (0x3ff0000000000000ull - 0x3fe6a09e667f3bcdull);
    /* k = (hu >> 52) - 1023 as a double through 2^52 (an int64 conversion does not vectorize
       below AVX-512DQ: without this the avx2 model ran scalar, 12x slower) */
    double dk = bd(0x4330000000000000ull | (hu >> 52)) - (4503599627370496.0 + 1023.0);
    double f = bd((hu & 0xfffffffffffffull) + 0x3fe6a09e667f3bcdull) - 1.0;
    double hfsq = (0.5 * f) * f, s = f / (2.0 + f), z = s * s, w = z * z;
    double t1 = w * D(w, D(w, 2.0 / 13, 2.0 / 9), 2.0 / 5);
    double t2 = z * D(w, D(w, D(w, 2.0 / 15, 2.0 / 11), 2.0 / 7), 2.0 / 3);
    return D(s, hfsq + (t2 + t1), dk * 1.90821492927058770002e-10) - hfsq + f + dk * 6.93147180369123816490e-01;
}
static inline double softplus_plain_f64(double x) { return (x > 0.0 ? x : 0.0) + log1p_plain_f64(exp_f64(x)); }

/* GELU, tanh form, float32 floor: x sigmoid(z), z = 2 sqrt(2/pi) (x + 0.044715 x^3), in float
 * without compensation. Within 2 ULP a kernel needs z as hi + lo (its absolute error becomes
 * the relative error of exp(z), and |z| reaches 88) and the quotient's rounding corrected;
 * fastact's float32 kernel computes in double instead (8 lanes). */
static inline float gelu_tanh_floor_f32(float x) {
    float xc = x < -12.f ? -12.f : (x > 6.f ? 6.f : x);
    float z = 1.5957691f * F(0.044715f * xc, xc * xc, xc), e = exp_f32(z);
    return x > 6.f ? x : xc * ((z >= 0.f ? 1.f : e) / (1.f + e));
}
static inline double gelu_tanh_floor_f64(double x) {
    double xc = x < -40.0 ? -40.0 : (x > 12.0 ? 12.0 : x);
    double z = 1.5957691216057308 * D(0.044715 * xc, xc * xc, xc), e = exp_f64(z);
    return x > 12.0 ? x : xc * ((z >= 0.0 ? 1.0 : e) / (1.0 + e));
}
/* its derivative, times a grad of 1 (the backward pass's cost): s + x s (1 - s) z', s =
 * sigmoid(z), z' = 2 sqrt(2/pi) (1 + 3 0.044715 x^2), from one exp and one division */
static inline float gelu_tanh_d_floor_f32(float x) {
    float xc = x < -16.f ? -16.f : (x > 6.f ? 6.f : x), x2 = xc * xc;
    float z = 1.5957691f * F(0.044715f * xc, x2, xc), dz = F(0.21406444f, x2, 1.5957691f);
    float e = exp_f32(z), w = 1.f / (1.f + e), s = (z >= 0.f ? 1.f : e) * w, c = (z >= 0.f ? e : 1.f) * w;
    return x > 6.f ? 1.f : F(xc * s, c * dz, s);
}
/* the same derivative in float with what a float kernel within 4 ULP needs at least: z =
 * c2 x (1 + a x^2) as hi + lo (the products' errors by fma, 1 + a x^2 by TwoSum; c2 and a
 * as hi + lo), z's low part carried into the exp's reduction, and near the derivative's zero
 * x0 = -0.7525 a polynomial in t = x - x0 (degree 9, stand-in coefficients) instead of the
 * cancelling e (1 + e + x z'). Not checked for accuracy: its operations are the cost. */
static inline float two_sum_err(float a, float b, float s) { float bb = s - a; return (a - (s - bb)) + (b - bb); }
static inline float gelu_tanh_d_comp_f32(float x) {
    float xc = x < -16.f ? -16.f : (x > 6.f ? 6.f : x);
    float x2 = xc * xc, x2l = F(xc, xc, -x2);
    float ph = 0.044715f * x2, pl = F(0.044715f, x2, -ph) + F(0.044715f, x2l, 2.2e-10f * x2);
    float s = 1.f + ph, sl = two_sum_err(1.f, ph, s) + pl;
    float w = xc * s, wl = F(xc, s, -w) + xc * sl;
    float z = 1.5957691f * w, zl = F(1.5957691f, w, -z) + F(1.5957691f, wl, 2.6e-8f * w);
    float a = bf(fb(z) | 0x80000000u), al = z < 0.f ? zl : -zl;
    float t = F(a, 1.44269502162933350f, 12582912.0f), kf = t - 12582912.0f;
    int32_t k = (int32_t)(fb(t) - fb(12582912.0f));
    float r = F(kf, 2.12194441701285541e-4f, F(kf, -0.693359375f, a)) + al;
    float e = (1.f + em32(r)) * pow2_32(k), d = 1.f + e;
    float xdz = xc * F(0.13414533f, x2, 1.5957691f);
    float num = xc >= 0.f ? F(e, 1.f + xdz, 1.f) : e * (d + xdz);
    float tt = (xc + 0.75246142f) - 1.3e-9f, h = 3e-4f;
    h = F(h, tt, -2e-3f); h = F(h, tt, 5e-3f); h = F(h, tt, -0.01f); h = F(h, tt, 0.03f);
    h = F(h, tt, -0.06f); h = F(h, tt, 0.1f); h = F(h, tt, -0.2f); h = F(h, tt, 0.4f);
    float q = num / (d * d);
    return x > 6.f ? 1.f : ((tt <= 0.5f) & (tt >= -0.5f) ? tt * h : q);
}
static inline double gelu_tanh_d_floor_f64(double x) {
    double xc = x < -40.0 ? -40.0 : (x > 12.0 ? 12.0 : x), x2 = xc * xc;
    double z = 1.5957691216057308 * D(0.044715 * xc, x2, xc), dz = D(0.21406444881780073, x2, 1.5957691216057308);
    double e = exp_f64(z), w = 1.0 / (1.0 + e), s = (z >= 0.0 ? 1.0 : e) * w, c = (z >= 0.0 ? e : 1.0) * w;
    return x > 12.0 ? 1.0 : D(xc * s, c * dz, s);
}

/* Tanhshrink float64 floor: both of the kernel's branches, as a vector computes them: x^3 P(x^2)
 * with P of degree 14 (|x| <= 1) and (|x| - 1) + 2e / (1 + e), e = exp(-2|x|), one select;
 * without the kernel's hi + lo of x^2 and the quotient's correction. */
static inline double tanhshrink_plain_f64(double x) {
    double a = x < 0 ? -x : x, u = x * x, q = 2.5e-8;
    for (int i = 0; i < 14; i++) q = D(q, u, -0.1 + 0.01 * i);  /* (stand-in coefficients) */
    double e = exp_f64(2.0 * a), big = (a - 1.0) + (2.0 * e) / (1.0 + e), r = a <= 1.0 ? a * u * q : big;
    return x < 0 ? -r : r;
}

/* float32 tanh, with and without a division (the kernel's formula: em = expm1(-2|x|) from the
 * exp reduction, tanh = -em / (2 + em) with x's sign). "Newton" replaces the one division by
 * operations the FMA ports run: 1/d for d = 2 + em in [1, 2] from a degree-2 minimax start
 * (relative error 2^-6.6), two Newton steps (2^-26.5), the quotient q = n y and one
 * correction with its exact residual (Markstein's step): 9 FMA-port operations for one
 * division. `c_model check` compares its quotients with the division's on every float32 em in
 * [-1, 0] (tanh) and every e in [0, 1] (sigmoid's 1/(1 + e) and e/(1 + e)). */
static inline float expm1_neg_f32(float y) {  /* expm1(y), y <= 0 */
    y = y < -17.4f ? -17.4f : y;
    float t = F(y, 1.44269502162933350f, 12582912.0f), kf = t - 12582912.0f;
    int32_t k = (int32_t)(fb(t) - fb(12582912.0f));
    float e = em32(F(kf, 2.12194441701285541e-4f, F(kf, -0.693359375f, y)));
    float s = pow2_32(k);
    return F(e, s, s - 1.f);
}
static inline float div12_newton(float n, float d) {  /* n / d for d in [1, 2], no division */
    float y = F(F(d, 32.f / 99, -16.f / 11), d, 70.f / 33);
    float e = F(-d, y, 1.f); y = F(y, e, y);
    e = F(-d, y, 1.f); y = F(y, e, y);
    float q = n * y;
    return F(F(-q, d, n), y, q);
}
static inline float tanh_div_f32(float x) {
    float em = expm1_neg_f32(2.f * bf(fb(x) | 0x80000000u)), d = 2.f + em;
    return bf(fb(-em / d) | (fb(x) & 0x80000000u));
}
static inline float tanh_newton_f32(float x) {
    float em = expm1_neg_f32(2.f * bf(fb(x) | 0x80000000u)), d = 2.f + em;
    return bf(fb(div12_newton(-em, d)) | (fb(x) & 0x80000000u));
}
static inline float quot_div_f32(float e) { return e / (1.f + e); }       /* e in [0, 1] */
static inline float quot_newton_f32(float e) { return div12_newton(e, 1.f + e); }
static int check_newton(void) {
    long differ = 0, total = 0;
    for (uint32_t b = 0; b <= 0x3f800000u; b++) {  /* every float in [0, 1] */
        float v = bf(b), em = -v, d = 2.f + em, d1 = 1.f + v;
        float pairs[3][3] = {{-em, d, 0}, {1.f, d1, 0}, {v, d1, 0}};
        for (int i = 0; i < 3; i++, total++)
            if (fb(pairs[i][0] / pairs[i][1]) != fb(div12_newton(pairs[i][0], pairs[i][1]))) {
                if (differ++ < 12) printf("  %a / %a: division %a, Newton %a\n", pairs[i][0],
                                          pairs[i][1], pairs[i][0] / pairs[i][1],
                                          div12_newton(pairs[i][0], pairs[i][1]));
            }
    }
    printf("%ld of %ld quotients differ from the division's\n", differ, total);
    return 0;
}

/* float32 SiLU forward and backward (g, x -> out), plain and as the kernel computes them (fast
 * path). Plain: x sigmoid(x), and g s (1 + x (1 - s)) with s = sigmoid(x) (PyTorch's formulas).
 * The kernel: the quotient x (1 + em) 2^k / (1 + e) corrected once with its exact residual and
 * the rounding error of 1 + e (its 2 ULP bound); the derivative with the factor 1 + x + e^x
 * written as t + c expm1(t) near its zero x0 = -1.27846 (a second expm1 polynomial, selected per
 * lane: both run) and (1 + e)^2 formed with one rounding (its 4 ULP bound near the zero, where
 * the plain formula loses every digit). */
static inline float sel32(int c, float a, float b) {  /* c ? a : b on the bits (as the kernel's select_ and clamp_) */
    uint32_t m = -(uint32_t)c; return bf((fb(a) & m) | (fb(b) & ~m));
}
static inline float silu_plain_f32(float x) { return x * sigmoid_f32(x); }
static inline float silu_fastact_f32(float x) {
    float y = bf(fb(x) | 0x80000000u); y = sel32(y < -200.f, -200.f, y);
    float t = F(y, 1.44269502162933350f, 12582912.0f), kf = t - 12582912.0f;
    int32_t k = (int32_t)(fb(t) - fb(12582912.0f));
    float em = em32(F(kf, 2.12194441701285541e-4f, F(kf, -0.693359375f, y)));
    float s = pow2_32(k), e = F(em, s, s), d = 1.f + e, delta = (1.f - d) + e;
    float n = x >= 0.f ? x : F(y, em, y) * s;
    float q = n / d;
    q = F(F(-q, delta, F(-q, d, n)), F(d, -0.5f, 1.5f), q);
    return x <= 100.f ? bf((fb(q) & 0x7fffffffu) | (fb(x) & 0x80000000u)) : x;
}
static inline float silu_b_plain_f32(float g, float x) { float s = sigmoid_f32(x); return g * (s * (1.f + x * (1.f - s))); }
static inline float silu_b_fastact_f32(float g, float x) {
    float xc = sel32(x < -200.f, -200.f, sel32(x > 100.f, 100.f, x));
    float y = bf(fb(xc) | 0x80000000u);
    float tt = F(y, 1.44269502162933350f, 12582912.0f), kf = tt - 12582912.0f;
    int32_t k = (int32_t)(fb(tt) - fb(12582912.0f));
    float em = em32(F(kf, 2.12194441701285541e-4f, F(kf, -0.693359375f, y)));
    float s = pow2_32(k), e = F(em, s, s);
    float t = (xc - -1.2784645557403564453125f) - 1.2979282537628478e-08f;
    float h = sel32(bf(fb(t) & 0x7fffffffu) <= 0.34f, F(0.2784645557403564453125f, em32(t), t), (1.f + xc) + e);
    float b = s * em, den = F(b, (2.f + (s + s)) + b, F(s, 2.f + s, 1.f));
    float r = sel32(x > 0.f, e * ((xc - 1.f) - e), F(em, h, h)) / den;
    return sel32(x > 0.f, F(g, r, g), (g * (r * 0.001953125f)) * pow2_32(k + 9));
}
/* float32 Softplus backward (beta = 1 and threshold = 20, read at run time as the kernel
 * reads its parameters), two inputs: "plain" is PyTorch's formula
 * g e / (1 + e), e = exp(x), written as the overflow-free g sigmoid(x) with the plain float exp
 * (the floor of any formula: one exp, one division, one product); "fastact" is the kernel's
 * fast path: z = beta x with its exact rounding error zlo (an fma, NaN-guarded) carried into
 * exp(-|z + zlo|) = p 2^k, m = (z >= 0 ? 1 : p/2) / (1 + e), g m (z >= 0) or (g m) 2^(k+1), and
 * the threshold's select. */
float sp_beta = 1.f, sp_threshold = 20.f;  /* (globals: read at run time, as the kernel's q) */
static inline float spb_plain_f32(float g, float x) { return g * sigmoid_f32(x); }
static inline float spb_fastact_f32(float g, float x, float beta, float threshold, int with_lo) {
    float z = beta * x, lo = F(beta, x, -z), zlo = with_lo ? (lo - lo == 0.f ? lo : 0.f) : 0.f;
    float a = bf(fb(z) | 0x80000000u), alo = z < 0.f ? zlo : -zlo;
    float t = F(a, 1.44269502162933350f, 12582912.0f), kf = t - 12582912.0f;
    int32_t k = (int32_t)(fb(t) - fb(12582912.0f));
    float p = 1.f + em32(F(kf, 2.12194441701285541e-4f, F(kf, -0.693359375f, a)) + alo);
    float e = p * pow2_32(k);
    float m = (z >= 0.f ? 1.f : p * 0.5f) / (1.f + e);
    float r = z >= 0.f ? g * m : (g * m) * pow2_32(k + 1);
    return z > threshold ? g : r;
}
__attribute__((noinline)) static void l_spb_fastact32(const float* g, const float* x, float* o, long n) {
    float beta = sp_beta, threshold = sp_threshold;
    for (long i = 0; i < n; i++) o[i] = spb_fastact_f32(g[i], x[i], beta, threshold, 1);
}
/* the same without the product's rounding error: what a kernel for beta = 1 alone would run */
__attribute__((noinline)) static void l_spb_nolo32(const float* g, const float* x, float* o, long n) {
    float beta = sp_beta, threshold = sp_threshold;
    for (long i = 0; i < n; i++) o[i] = spb_fastact_f32(g[i], x[i], beta, threshold, 0);
}
#define LOOP2(name, T, f) \
    __attribute__((noinline)) static void name(const T* g, const T* x, T* o, long n) { for (long i = 0; i < n; i++) o[i] = f(g[i], x[i]); }
LOOP2(l_spb_plain32, float, spb_plain_f32)
LOOP2(l_silub_plain32, float, silu_b_plain_f32) LOOP2(l_silub_fastact32, float, silu_b_fastact_f32)

#define LOOP(name, T, f) \
    __attribute__((noinline)) static void name(const T* x, T* o, long n) { for (long i = 0; i < n; i++) o[i] = f(x[i]); }
LOOP(l_exp32, float, exp_f32) LOOP(l_div32, float, div_f32) LOOP(l_sig32, float, sigmoid_f32)
LOOP(l_exp64, double, exp_f64) LOOP(l_div64, double, div_f64) LOOP(l_sig64, double, sigmoid_f64)
LOOP(l_gelu_t32, float, gelu_torchlike_f32) LOOP(l_gelu_f32, float, gelu_fastact_f32)
LOOP(l_gelu_floor32, float, gelu_floor_f32)
LOOP(l_sp32, float, softplus_plain_f32) LOOP(l_sp64, double, softplus_plain_f64)
LOOP(l_gt32, float, gelu_tanh_floor_f32) LOOP(l_tsh64, double, tanhshrink_plain_f64)
LOOP(l_gt64, double, gelu_tanh_floor_f64) LOOP(l_gtd32, float, gelu_tanh_d_floor_f32)
LOOP(l_gtd64, double, gelu_tanh_d_floor_f64) LOOP(l_gtdc32, float, gelu_tanh_d_comp_f32)
LOOP(l_tanh_div32, float, tanh_div_f32) LOOP(l_tanh_newton32, float, tanh_newton_f32)
LOOP(l_quot_div32, float, quot_div_f32) LOOP(l_quot_newton32, float, quot_newton_f32)
LOOP(l_silu_plain32, float, silu_plain_f32) LOOP(l_silu_fastact32, float, silu_fastact_f32)

/* softmax over rows: max pass, exp(x - max) with TwoSum correction, 16-lane sum, scale */
static inline float exp_shifted(float x, float mx) {
    float hi = x - mx, t = F(hi, 1.44269502162933350f, 12582912.0f), kf = t - 12582912.0f;
    int32_t k = (int32_t)(fb(t) - fb(12582912.0f));
    float r = F(kf, 2.12194441701285541e-4f, F(kf, -0.693359375f, hi)) + two_sum_err(x, -mx, hi);
    return (1.f + em32(r)) * pow2_32(k);
}
static inline float row_max(const float* x, long n) {  /* integer max over order keys: vectorizes */
    int32_t m = INT32_MIN;
    for (long i = 0; i < n; i++) { int32_t b = (int32_t)fb(x[i]); b ^= (b >> 31) & 0x7fffffff; m = b > m ? b : m; }
    return bf((uint32_t)(m ^ ((m >> 31) & 0x7fffffff)));
}
/* the sum of v over L lanes (L accumulators, then halved pairwise), as the kernels' row sums:
 * lane_sum 16 floats, dlane_sum 8 doubles */
#define LANE_SUM(name, T, L) \
static inline T name(const T* v, long n) { \
    T acc[L] = {0}; long i = 0; \
    for (; i + L <= n; i += L) for (int l = 0; l < L; l++) acc[l] += v[i + l]; \
    for (int l = 0; l < n - i; l++) acc[l] += v[i + l]; \
    for (int h = L / 2; h >= 1; h /= 2) for (int l = 0; l < h; l++) acc[l] += acc[l + h]; \
    return acc[0]; \
}
LANE_SUM(lane_sum, float, 16) LANE_SUM(dlane_sum, double, 8)
__attribute__((noinline)) static void softmax_rows(const float* X, float* O, long rows, long n, int sum) {
    for (long r = 0; r < rows; r++) {
        const float* x = X + r * n; float* o = O + r * n;
        float mx = row_max(x, n);
        for (long i = 0; i < n; i++) o[i] = exp_shifted(x[i], mx);
        float inv = 1.f / (sum ? lane_sum(o, n) : o[0] + 1.f);
        for (long i = 0; i < n; i++) o[i] *= inv;
    }
}

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec * 1e-9; }
#define BEST(stmt) ({ double b_ = 1e9; for (int r_ = 0; r_ < 31; r_++) { double t_ = now(); stmt; t_ = now() - t_; if (t_ < b_) b_ = t_; } b_; })

/* Plain models of more rows against PyTorch (session 9), the cheapest formula of each, without
 * the compensation the bounds need (for bench/targets.py --model):
 * - SiLU float64: x sigmoid(x) and g s (1 + x (1 - s)) with the plain double sigmoid (one exp,
 *   one division); Softplus backward float64: g sigmoid(x).
 * - Mish: x tanh(log1p(exp(x))) = x n / (n + 2), n = e (e + 2), e = exp(x) (x clamped to
 *   [-MIN, 20], x itself above 20): one exp, one division; its derivative
 *   t + x s (1 - t^2) = (n (n + 2)(1 + e) + 4 x e (n + 1)) / ((n + 2)^2 (1 + e)), one division.
 *   A backward pass does that and a product, and reads one more array: the derivative's model
 *   bounds its speed from above.
 * - Tanhshrink float32: x - tanh(x), tanh by expm1 and one division (cancels near 0).
 * - GELU's backward passes: the derivative's models above (l_gtd*, l_gtdc32) for the tanh form;
 *   for erf's, the forward's float floor (the derivative needs Phi(x) to the same accuracy,
 *   and x phi(x) on top). */
static inline double sigmoid_plain_f64(double x) { double e = exp_f64(x); return (x >= 0.0 ? 1.0 : e) / (1.0 + e); }
static inline double silu_plain_f64(double x) { return x * sigmoid_plain_f64(x); }
static inline double silu_b_plain_f64(double g, double x) { double s = sigmoid_plain_f64(x); return g * (s * (1.0 + x * (1.0 - s))); }
static inline double spb_plain_f64(double g, double x) { return g * sigmoid_plain_f64(x); }
static inline float exp_any_f32(float x) { int32_t k; float p = exp32(x, &k); return p * pow2_32(k); }
static inline float mish_plain_f32(float x) {
    float xc = x < -87.f ? -87.f : (x > 20.f ? 20.f : x), e = exp_any_f32(xc), n = e * (e + 2.f);
    return x > 20.f ? x : x * (n / (n + 2.f));
}
static inline double mish_plain_f64(double x) {
    double xc = x < -700.0 ? -700.0 : (x > 40.0 ? 40.0 : x), e = exp_any_f64(xc), n = e * (e + 2.0);
    return x > 40.0 ? x : x * (n / (n + 2.0));
}
static inline float mish_d_plain_f32(float x) {
    float xc = x < -87.f ? -87.f : (x > 20.f ? 20.f : x), e = exp_any_f32(xc), n = e * (e + 2.f);
    float m = n + 2.f, p = 1.f + e;
    float r = F(4.f * xc * e, n + 1.f, n * m * p) / (m * m * p);
    return x > 20.f ? 1.f : r;
}
static inline double mish_d_plain_f64(double x) {
    double xc = x < -700.0 ? -700.0 : (x > 40.0 ? 40.0 : x), e = exp_any_f64(xc), n = e * (e + 2.0);
    double m = n + 2.0, p = 1.0 + e;
    double r = D(4.0 * xc * e, n + 1.0, n * m * p) / (m * m * p);
    return x > 40.0 ? 1.0 : r;
}
static inline float tanhshrink_plain_f32(float x) { return x - tanh_div_f32(x); }
/* ELU (SELU, CELU: the same work up to one product): x > 0 ? x : alpha (exp(x) - 1), the
 * expm1 as exp - 1 (it cancels near 0); backward g (x > 0 ? 1 : alpha exp(x)). tanh float64:
 * (1 - e) / (1 + e), e = exp(-2|x|), its sign from x. softsign: x / (1 + |x|). */
static inline float elu_plain_f32(float x) { float e = exp_any_f32(x < -87.f ? -87.f : (x > 0.f ? 0.f : x)); return x > 0.f ? x : 1.5f * (e - 1.f); }
static inline double elu_plain_f64(double x) { double e = exp_any_f64(x < -700.0 ? -700.0 : (x > 0.0 ? 0.0 : x)); return x > 0.0 ? x : 1.5 * (e - 1.0); }
static inline float elu_b_plain_f32(float g, float x) { float e = exp_any_f32(x < -87.f ? -87.f : (x > 0.f ? 0.f : x)); return g * (x > 0.f ? 1.f : 1.5f * e); }
static inline double elu_b_plain_f64(double g, double x) { double e = exp_any_f64(x < -700.0 ? -700.0 : (x > 0.0 ? 0.0 : x)); return g * (x > 0.0 ? 1.0 : 1.5 * e); }
static inline double tanh_plain_f64(double x) {
    double a = x < 0.0 ? -x : x, e = exp_f64(2.0 * (a > 30.0 ? 30.0 : a)), r = (1.0 - e) / (1.0 + e);
    return x < 0.0 ? -r : r;
}
static inline float softsign_f32(float x) { return x / (1.f + (x < 0.f ? -x : x)); }
static inline double softsign_f64(double x) { return x / (1.0 + (x < 0.0 ? -x : x)); }
LOOP(l_elu32, float, elu_plain_f32) LOOP(l_elu64, double, elu_plain_f64)
LOOP2(l_elub32, float, elu_b_plain_f32) LOOP2(l_elub64, double, elu_b_plain_f64)
LOOP(l_tanh64, double, tanh_plain_f64) LOOP(l_softsign32, float, softsign_f32)
LOOP(l_softsign64, double, softsign_f64) LOOP(l_sigp64, double, sigmoid_plain_f64)
LOOP(l_silu_plain64, double, silu_plain_f64) LOOP(l_mish32, float, mish_plain_f32)
LOOP(l_mish64, double, mish_plain_f64) LOOP(l_mishd32, float, mish_d_plain_f32)
LOOP(l_mishd64, double, mish_d_plain_f64) LOOP(l_tsh32, float, tanhshrink_plain_f32)
LOOP2(l_silub_plain64, double, silu_b_plain_f64) LOOP2(l_spb_plain64, double, spb_plain_f64)

/* More models (session 10), for the rows that had none:
 * - GELU (erf form) float64, plain: x/2 (1 + erf(x/sqrt2)) with the cheapest double erf of
 *   the usual shape: z P(z^2) (degree 10) for |z| < 1, else 1 - exp(-z^2) N(z) / D(z) (degree
 *   8 / 8), both computed and selected: one exp, one division, 27 fmas. The coefficients have
 *   the degrees, not the values, of a real fit (a cost model: fdlibm's erf, with three ranges
 *   and two exps, costs more). Its derivative Phi(x) + x phi(x) adds x exp(-x^2/2) to it.
 * - softmax float64 and log_softmax, plain: the max pass, exp(x - max) with a 16-lane sum,
 *   then o *= 1/sum (softmax) or o = x - max - log(sum) (log_softmax: the exp pass stores
 *   nothing), without the TwoSum corrections of the kernels.
 * - The gates: gated = value * silu(gate) and glu = a * sigmoid(b) (a and b its halves, the
 *   second input here), plain, and with the silu and sigmoid models of the kernels' formulas. */
static const double ERF_P[] = {1.1283791670955126, -0.37612638903183754, 0.11283791670955126,
    -0.026866170645131252, 0.005223977625442188, -8.548325929550454e-4, 1.2055332981789664e-4,
    -1.4925650358406252e-5, 1.6462114365889246e-6, -1.6365844691234924e-7, 1.4807192815879218e-8};
static const double ERF_N[] = {0.5641895835, 1.275366644, 1.1, 0.6, 0.2, 0.045, 0.006, 4.6e-4, 1.5e-5};
static const double ERF_D[] = {1.0, 3.4, 4.6, 3.4, 1.5, 0.42, 0.073, 0.0072, 3.2e-4};
static inline double erf_plain_f64(double z) {
    double a = z < 0.0 ? -z : z, u = a * a, p = ERF_P[10], nn = ERF_N[8], dd = ERF_D[8];
#pragma GCC unroll 16  /* (unrolled, the element loop vectorizes) */
    for (int i = 9; i >= 0; i--) p = D(p, u, ERF_P[i]);
#pragma GCC unroll 16
    for (int i = 7; i >= 0; i--) { nn = D(nn, a, ERF_N[i]); dd = D(dd, a, ERF_D[i]); }
    double big = 1.0 - exp_any_f64(-(u < 700.0 ? u : 700.0)) * (nn / dd), r = a < 1.0 ? a * p : big;
    return z < 0.0 ? -r : r;
}
static inline double gelu_plain_f64(double x) { return 0.5 * x * (1.0 + erf_plain_f64(x * 0.70710678118654752)); }
static inline double gelu_d_plain_f64(double x) {
    double u = x * x, e = exp_any_f64(-(u < 1400.0 ? 0.5 * u : 700.0));
    return D(x * 0.3989422804014327, e, 0.5 * (1.0 + erf_plain_f64(x * 0.70710678118654752)));
}
LOOP(l_gelu64, double, gelu_plain_f64) LOOP(l_gelud64, double, gelu_d_plain_f64)
static inline double dmax_row(const double* x, long n) {
    double m = x[0];
    for (long i = 1; i < n; i++) m = x[i] > m ? x[i] : m;
    return m;
}
__attribute__((noinline)) static void softmax_rows_f64(const double* X, double* O, long rows, long n) {
    for (long r = 0; r < rows; r++) {
        const double* x = X + r * n; double* o = O + r * n;
        double mx = dmax_row(x, n);
        for (long i = 0; i < n; i++) o[i] = exp_any_f64(x[i] - mx);
        double inv = 1.0 / dlane_sum(o, n);
        for (long i = 0; i < n; i++) o[i] *= inv;
    }
}
static inline float log_plain_f32(float s) {  /* s >= 1: log by exponent and a degree-7 polynomial */
    int32_t k = (int32_t)(fb(s) >> 23) - 127; float m = bf((fb(s) & 0x7fffff) | 0x3f800000) - 1.f, p = 0.0311f;
    p = F(p, m, -0.1087f); p = F(p, m, 0.1940f); p = F(p, m, -0.2498f); p = F(p, m, 0.3317f);
    p = F(p, m, -0.4998f); p = F(p, m, 1.0f);
    return F((float)k, 0.69314718f, m * p);
}
static inline double log_plain_f64(double s) {  /* s >= 1 */
    int64_t k = (int64_t)(db(s) >> 52) - 1023; double m = bd((db(s) & 0xfffffffffffffull) | 0x3ff0000000000000ull) - 1.0, p = 0.0;
#pragma GCC unroll 16
    for (int i = 16; i >= 1; i--) p = D(p, m, (i & 1 ? 1.0 : -1.0) / i);
    return D((double)k, 0.6931471805599453, m * p);
}
/* log_softmax over rows, plain: max, then the sum of exp(x - max) in L lanes, then x - c */
#define LOG_SOFTMAX_ROWS(name, T, L, rmax, expf_, logf_) \
    __attribute__((noinline)) static void name(const T* X, T* O, long rows, long n) { \
        for (long r = 0; r < rows; r++) { \
            const T* x = X + r * n; T* o = O + r * n; \
            T mx = rmax(x, n), acc[L] = {0}; long i = 0; \
            for (; i + L <= n; i += L) for (int l = 0; l < L; l++) acc[l] += expf_(x[i + l] - mx); \
            for (int l = 0; l < n - i; l++) acc[l] += expf_(x[i + l] - mx); \
            for (int h = L / 2; h >= 1; h /= 2) for (int l = 0; l < h; l++) acc[l] += acc[l + h]; \
            T c = mx + logf_(acc[0]); \
            for (i = 0; i < n; i++) o[i] = x[i] - c; \
        } \
    }
LOG_SOFTMAX_ROWS(log_softmax_rows_f32, float, 16, row_max, exp_any_f32, log_plain_f32)
LOG_SOFTMAX_ROWS(log_softmax_rows_f64, double, 8, dmax_row, exp_any_f64, log_plain_f64)
static inline float gated_plain_f32(float v, float x) { return v * silu_plain_f32(x); }
static inline float gated_fastact_f32(float v, float x) { return v * silu_fastact_f32(x); }
static inline double gated_plain_f64(double v, double x) { return v * silu_plain_f64(x); }
static inline float glu_plain_f32(float a, float b) { return a * sigmoid_f32(b); }
static inline double glu_plain_f64(double a, double b) { return a * sigmoid_plain_f64(b); }
static inline double glu_fastact_f64(double a, double b) { return a * sigmoid_f64(b); }
LOOP2(l_gated_plain32, float, gated_plain_f32) LOOP2(l_gated_fastact32, float, gated_fastact_f32)
LOOP2(l_gated_plain64, double, gated_plain_f64) LOOP2(l_glu_plain32, float, glu_plain_f32)
LOOP2(l_glu_plain64, double, glu_plain_f64) LOOP2(l_glu_fastact64, double, glu_fastact_f64)
/* The memory traffic of the memory-bound rows (session 15): one operation per element, as
 * GCC compiles a plain loop at the kernels' flags: o = |x| (a read and a write, as
 * np.copyto's) and o = u * x (two reads and a write, as np.multiply's). A memory-bound kernel
 * moves at least this much, so where these loops run below a row's target, GCC's loop of that
 * traffic, not the formula, is what misses (bench/targets.py --model). */
static inline float abs_f32(float x) { return __builtin_fabsf(x); }
static inline double abs_f64(double x) { return __builtin_fabs(x); }
static inline float mul_f32(float u, float x) { return u * x; }
static inline double mul_f64(double u, double x) { return u * x; }
LOOP(l_abs32, float, abs_f32) LOOP(l_abs64, double, abs_f64)
LOOP2(l_mul32, float, mul_f32) LOOP2(l_mul64, double, mul_f64)

/* The piecewise rows that stay short of np.copyto / np.multiply at 1 Mi float32 and run
 * below the target's speed in cache too (session 16; bench/targets.py's in-cache verdict
 * "compute-bound"). Each has one or two models, run like the traffic loops on the row's own
 * arrays:
 * "plain": the formula with no compensation, clamps as max and min, the other kinks as
 *   selects, constants rounded (1/6, 1/3), as cheap as this level compiles it; where even
 *   that runs below the target, the target asks for more than the row's arithmetic allows
 *   here, whatever its accuracy;
 * "formula": the kernel's formula in _math.pxd.tp, operation for operation (Fast2Sum terms,
 *   hi + lo constants, the same selects), the work its bound costs.
 * The bounds of the clamps come from memory (K's fields, a parameter struct in the kernels):
 * the globals below, which the compiler cannot fold (with literal bounds GCC compiles a clamp
 * to compares and a blend instead of a max and a min). */
float pw_lo32 = -1.f, pw_hi32 = 1.f, pw_zero32 = 0.f, pw_six32 = 6.f;
double pw_lo64 = -1.0, pw_hi64 = 1.0, pw_zero64 = 0.0, pw_six64 = 6.0;
#define PIECEWISE(S, T, FM, ABS, SQRT, SIXTH, SIXTH_DN, SIXTH_DN_LO, THIRD, THIRD_LO) \
static inline T hsw_plain_##S(T x) {  /* x clamp(x + 3, 0, 6) (1/6) */ \
    T c = x + (T)3; c = c < pw_zero##S ? pw_zero##S : c; c = c > pw_six##S ? pw_six##S : c; \
    return x * c * (T)SIXTH; } \
static inline T hsw_fastact_##S(T x) { \
    T p = x * (x + (T)3), r = FM(p, (T)SIXTH_DN, p * (T)SIXTH_DN_LO); \
    r = x <= (T)-3 ? (T)0 : r; return x >= (T)3 ? x : r; } \
static inline T hswd_plain_##S(T x) { \
    T r = FM(x, (T)THIRD, (T)0.5); r = x <= (T)-3 ? (T)0 : r; return x >= (T)3 ? (T)1 : r; } \
static inline T hswd_fastact_##S(T x) { \
    T r = FM(x, (T)THIRD_LO, FM(x, (T)THIRD, (T)0.5)); \
    r = (x <= (T)-3) | (x == (T)-1.5) ? (T)0 : r; return x >= (T)3 ? (T)1 : r; } \
static inline T hswb_plain_##S(T g, T x) { return g * hswd_plain_##S(x); } \
static inline T hswb_fastact_##S(T g, T x) { return g * hswd_fastact_##S(x); } \
static inline T hsg_plain_##S(T x) {  /* clamp(x (1/6) + 1/2, 0, 1) */ \
    T r = FM(x, (T)SIXTH, (T)0.5); r = r < pw_zero##S ? pw_zero##S : r; \
    return r > pw_hi##S ? pw_hi##S : r; } \
static inline T hsg_fastact_##S(T x) { \
    T u = ((T)3 - ABS(x)) * (T)SIXTH; u = pw_zero##S > u ? pw_zero##S : u; \
    return x < (T)0 ? u : (T)1 - u; }  /* (the kernel blends on the sign bit) */ \
static inline T band_d_##S(T x) {  /* 1 inside (lo, hi), 0 outside and at the ends */ \
    T d = (x > pw_lo##S) & (x < pw_hi##S) ? (T)1 : (T)0; return x != x ? x : d; } \
static inline T band06_d_##S(T x) {  /* the same on (0, 6) */ \
    T d = (x > pw_zero##S) & (x < pw_six##S) ? (T)1 : (T)0; return x != x ? x : d; } \
static inline T band_half_d_##S(T x) {  /* 1/2 on (-1, 1), literal bounds as the kernel's */ \
    T d = (x > (T)-1) & (x < (T)1) ? (T)0.5 : (T)0; return x != x ? x : d; } \
static inline T spl_plain_##S(T x) {  /* max(((c + 1) / 2)^2, x), c = clamp(x, -1, 1) */ \
    T c = pw_lo##S > x ? pw_lo##S : x; c = pw_hi##S < c ? pw_hi##S : c; \
    T h = (c + (T)1) * (T)0.5, r = h * h; return r > x ? r : x; } \
static inline T spl_fastact_##S(T x) { \
    T c = pw_lo##S > x ? pw_lo##S : x; c = pw_hi##S < c ? pw_hi##S : c; \
    T a = c + (T)1, al = c - (a - (T)1), h = a * (T)0.5, r = FM(h, h, h * al); \
    return r > x ? r : x; } \
static inline T splb_##S(T g, T x) { \
    T c = pw_lo##S > x ? pw_lo##S : x; c = pw_hi##S < c ? pw_hi##S : c; \
    return g * ((c + (T)1) * (T)0.5); } \
static inline T ssby_plain_##S(T g, T y) { T w = (T)1 - ABS(y); return g * (w * w); } \
static inline T ssby_fastact_##S(T g, T y) { \
    T ay = ABS(y), w = (T)1 - ay, wl = ((T)1 - w) - ay; return g * FM(w, w, (wl + wl) * w); } \
static inline T rsqby_##S(T g, T y) { T h = SQRT(y <= (T)0 ? (T)0 : y); return g * (h + h); }
PIECEWISE(32, float, F, __builtin_fabsf, __builtin_sqrtf, 0.1666666716337204f, 0.1666666567325592f,
          9.934107758624577e-09f, 0.3333333432674408f, -9.934107758624577e-09f)
PIECEWISE(64, double, D, __builtin_fabs, __builtin_sqrt, 0.16666666666666666, 0.16666666666666666,
          9.25185853854297e-18, 0.3333333333333333, 1.850371707708594e-17)
/* The backward pass from y of the scaled exponential unit (scale, alpha: the row's constants
 * as hi + lo): "plain" g scale for y > 0, else g (y + scale alpha); "formula" the kernel's
 * g (scale_hi + scale_lo) rounded once and y + scale alpha with its lo part (0 where y + hi
 * is 0: the saturated forward value). */
#define SCALED_BY(S, T, FM, SC, SC_LO, SA, SA_LO) \
static inline T sby_plain_##S(T g, T y) { return y > (T)0 ? g * (T)SC : g * (y + (T)SA); } \
static inline T sby_fastact_##S(T g, T y) { \
    T t = y + (T)SA; \
    return y > (T)0 ? FM(g, (T)SC, g * (T)SC_LO) : g * (t != (T)0 ? t + (T)SA_LO : t); }
SCALED_BY(32, float, F, 1.05070090293884277f, 8.44166407887314632e-08f, 1.75809931755065918f,
          2.32967174440545932e-08f)
SCALED_BY(64, double, D, 1.0507009873554805, 3.9874847667154144e-17, 1.7580993408473768,
          1.41535193800845e-17)
/* The per-channel rows (x as (outer, 16 channels, 64), bench/targets.py's layout), one
 * weight per channel in u: the kernel's loops, float32 over a pattern of the weights of two
 * (channels, inner) blocks, 2048 (one loop per two blocks), float64 over each channel's run
 * of 64 with its weight in a register. "formula": max(x, 0)'s leaky form with slope w (x for x >= 0,
 * w x below) and its derivative (1 for x > 0, w elsewhere, NaN for NaN). */
#define PC_CH 16
#define PC_IN 64
static inline float pcf_f32(float x, float w) { return x >= 0.f ? x : w * x; }
static inline double pcf_f64(double x, double w) { return x >= 0.0 ? x : w * x; }
static inline float pcd_f32(float x, float w) { float d = x > 0.f ? 1.f : w; return x != x ? x : d; }
static inline double pcd_f64(double x, double w) { double d = x > 0.0 ? 1.0 : w; return x != x ? x : d; }
#define LOOP_PC32(name, f) \
    __attribute__((noinline)) static void name(const float* w, const float* x, float* o, long n) { \
        float pat[2 * PC_CH * PC_IN]; \
        for (long c = 0; c < 2 * PC_CH; c++) \
            for (long j = 0; j < PC_IN; j++) pat[c * PC_IN + j] = w[c % PC_CH]; \
        for (long i = 0; i < n; i += 2 * PC_CH * PC_IN) { \
            long m = n - i < 2 * PC_CH * PC_IN ? n - i : 2 * PC_CH * PC_IN; \
            for (long j = 0; j < m; j++) o[i + j] = f(x[i + j], pat[j]); } }
#define LOOP_PC64(name, f) \
    __attribute__((noinline)) static void name(const double* w, const double* x, double* o, long n) { \
        for (long i = 0, c = 0; i < n; i += PC_IN, c = c + 1 == PC_CH ? 0 : c + 1) { \
            long m = n - i < PC_IN ? n - i : PC_IN; double wc = w[c]; \
            for (long j = 0; j < m; j++) o[i + j] = f(x[i + j], wc); } }
LOOP_PC32(l_pcf32, pcf_f32) LOOP_PC32(l_pcd32, pcd_f32)
LOOP_PC64(l_pcf64, pcf_f64) LOOP_PC64(l_pcd64, pcd_f64)
#define PW_LOOPS(S, T) \
LOOP(l_hsw_plain##S, T, hsw_plain_##S) LOOP(l_hsw_fastact##S, T, hsw_fastact_##S) \
LOOP(l_hswd_plain##S, T, hswd_plain_##S) LOOP(l_hswd_fastact##S, T, hswd_fastact_##S) \
LOOP(l_hsg_plain##S, T, hsg_plain_##S) LOOP(l_hsg_fastact##S, T, hsg_fastact_##S) \
LOOP(l_band_d##S, T, band_d_##S) LOOP(l_band06_d##S, T, band06_d_##S) \
LOOP(l_band_half_d##S, T, band_half_d_##S) \
LOOP(l_spl_plain##S, T, spl_plain_##S) \
LOOP(l_spl_fastact##S, T, spl_fastact_##S) LOOP2(l_splb##S, T, splb_##S) \
LOOP2(l_ssby_plain##S, T, ssby_plain_##S) \
LOOP2(l_ssby_fastact##S, T, ssby_fastact_##S) LOOP2(l_rsqby##S, T, rsqby_##S) \
LOOP2(l_hswb_plain##S, T, hswb_plain_##S) LOOP2(l_hswb_fastact##S, T, hswb_fastact_##S) \
LOOP2(l_sby_plain##S, T, sby_plain_##S) LOOP2(l_sby_fastact##S, T, sby_fastact_##S)
PW_LOOPS(32, float) PW_LOOPS(64, double)

/* Formula models (session 12): the kernels' fast paths, the work their bounds cost ("formula"
 * in the catalogue), for the rows whose plain model leaves the verdict open. Each follows its
 * kernel in _math.pxd.tp operation for operation (the same branches computed and selected);
 * docs/performance.md, "formula models", says why each compensation is needed.
 * - Tanhshrink float32: |x| <= 1: x^3 P(x^2) with x^2 and x^3 as hi + lo, P of degree 6 and
 *   1/3 as hi + lo; beyond: (|x| - 1) + 2e/(1 + e), e = exp(-2|x|) (|x| clamped at 16), the
 *   quotient corrected once (without the correction: 2.18 ULP at x = 1.0034); one select, one
 *   copysign.
 * - Mish float32: the kernel's double core, 4 lanes on avx2 (x clamped to [-200, 20], a
 *   degree-8 Taylor exp, x n / (n + 2), n = w (w + 2)). The float formula within the bound
 *   (N and D as hi + lo, the quotient corrected) ran 1.3-1.4x slower (session 8).
 * - Mish float64: N and D as hi + lo pairs from e = exp(-|x|) and its rounding error, the
 *   quotient corrected with its exact residual, x q + x c rounded once, the x e^x tail; the
 *   derivative: its numerator as hi + lo (x > 0), h in t = x - x0 through a second expm1 near
 *   Mish's minimum x0 (x <= 0), the quotient over D^2 corrected once.
 * - tanh float64: -em / (2 + em), em = expm1(-2|x|), the quotient corrected for the rounding
 *   of 2 + em, as sigmoid's (the plain double quotient's analytic worst case is about 3 ULP). */
static inline double sel64(int c, double a, double b) {  /* c ? a : b on the bits */
    uint64_t m = -(uint64_t)c; return bd((db(a) & m) | (db(b) & ~m));
}
static inline double clamp64(double x, double lo, double hi) { return sel64(x < lo, lo, sel64(x > hi, hi, x)); }
static inline double abs64(double x) { return bd(db(x) & 0x7fffffffffffffffull); }
static inline double copysign64(double v, double s) { return bd((db(v) & 0x7fffffffffffffffull) | (db(s) & 0x8000000000000000ull)); }
static inline double recip_est64(double v) { double y = bd(0x7FDE623822FC16E6ull - db(v)); return y * D(-v, y, 2.0); }
static const float TSH32[] = {-0.13333310186862946f, 0.05396341532468796f, -0.021829551085829735f,
    0.008697854354977608f, -0.003206813707947731f, 0.0009235081961378455f, -0.00014279528113547713f};
static inline float tanhshrink_fastact_f32(float x) {
    float a = bf(fb(x) & 0x7fffffffu), y = -2.f * sel32(a > 16.f, 16.f, a);
    float t = F(y, 1.44269502162933350f, 12582912.0f), kf = t - 12582912.0f;
    int32_t k = (int32_t)(fb(t) - fb(12582912.0f));
    float e = (1.f + em32(F(kf, 2.12194441701285541e-4f, F(kf, -0.693359375f, y)))) * pow2_32(k);
    float d = 1.f + e, delta = (1.f - d) + e, n = e + e, q = n / d;
    q = F(F(-q, delta, F(-q, d, n)), 1.f - 0.5f * q, q);
    float big = (a - 1.f) + q;
    float u = a * a, ul = F(a, a, -u), c = a * u, cl = F(a, u, -c) + a * ul, p = TSH32[6];
    p = F(p, u, TSH32[5]); p = F(p, u, TSH32[4]); p = F(p, u, TSH32[3]);
    p = F(p, u, TSH32[2]); p = F(p, u, TSH32[1]); p = F(p, u, TSH32[0]);
    float rest = F(u, p, -9.934107758624577e-09f);
    float small = F(c, 0.3333333432674408f, F(c, rest, cl * 0.3333333432674408f));
    float r = a <= 1.f ? small : big;
    return bf((fb(r) & 0x7fffffffu) | (fb(x) & 0x80000000u));
}
static inline float mish_fastact_f32(float x) {
    int64_t k;
    double xd = x, xc = clamp64(xd, -200.0, 20.0), em = em64_light(red64(xc, &k)), s = pow2_64(k);
    double w = D(em, s, s), n = w * (w + 2.0);
    float r = (float)(xd > 20.0 ? xd : xc * (n / (n + 2.0)));
    return x == x ? r : x;
}
static inline double mish_nd64(int pos, double e, double el, double* n, double* nl, double* dl) {
    double a = e + 2.0, al = (2.0 - a) + e, n0 = e * a;
    double n0l = (D(e, a, -n0) + e * al) + el * (a + e);
    double d0 = 2.0 + n0, d0l = ((2.0 - d0) + n0) + n0l;
    double e2 = e + e, n1 = 1.0 + e2, n1l = ((1.0 - n1) + e2) + (el + el);
    double ee = e * e, ee2 = ee + ee, d1 = n1 + ee2;
    double d1l = ((n1 - d1) + ee2) + (n1l + 2.0 * (D(e, e, -ee) + 2.0 * (e * el)));
    *n = sel64(pos, n1, n0); *nl = sel64(pos, n1l, n0l); *dl = sel64(pos, d1l, d0l);
    return sel64(pos, d1, d0);
}
static inline double mish_fastact_f64(double x) {
    int64_t k;
    double xc = clamp64(x, -1500.0, 1000.0), em = em64(red64(-abs64(xc), &k)), s = pow2_64(k);
    double e = D(em, s, s), el = D(em, s, s - e), n, nl, dl;
    double d = mish_nd64(x > 0.0, e, el, &n, &nl, &dl);
    double q = n / d, c = (D(-q, d, n) + D(-q, dl, nl)) * recip_est64(d);
    double m = D(xc, q, xc * c), tail = D(xc, em, xc) * s;
    return (x > 40.0) | (x != x) ? x : copysign64(x < -38.0 ? tail : m, x);
}
static inline double mish_d_fastact_f64(double x) {
    int64_t k, kt;
    int pos = x > 0.0;
    double xc = clamp64(x, -1500.0, 1000.0), em = em64(red64(-abs64(xc), &k)), s = pow2_64(k);
    double e = D(em, s, s), el = D(em, s, s - e), n, nl, dl;
    double d = mish_nd64(pos, e, el, &n, &nl, &dl);
    double dd = d * d, ddl = D(d, d, -dd) + 2.0 * (d * dl), rd = recip_est64(dd);
    double xx = ((4.0 * xc) * (e * e)) * (1.0 + e), num = D(n, d, xx);
    double numl = (D(n, d, -(n * d)) - ((num - xx) - n * d)) + D(nl, d, n * dl);
    double th = xc - -1.1924312145154952, tl = 4.8484829848031045549e-17;
    double tc = clamp64(th, -2.0, 1.0), et = em64(red64(tc, &kt)), st = pow2_64(kt);
    double emt = D(tl, D(et, st, st), D(et, st, st - 1.0));
    double b = D(D(0.027951242009170138, emt, 0.4522603229111282), emt, 1.194033938963939);
    double f = D(0.3034825352815289, emt, 1.303482535281529), th4 = 4.0 * th;
    double ht = D(th4, 1.303482535281529, D(emt, D(th4, 0.3034825352815289, b),
                                            D(th4, 1.9811174347644091e-17, (4.0 * tl) * f)));
    double a = e + 2.0, al = ((2.0 - a) + e) + el, ow = 1.0 + e, owl = ((1.0 - ow) + e) + el;
    double x4 = (4.0 * xc) * ow, x4l = D(4.0 * xc, ow, -x4) + (4.0 * xc) * owl;
    double hd = D(a, d, x4 + ((a * dl + al * d) + x4l));
    double h = abs64(xc + 1.4875) <= 0.8875 ? ht : hd;
    double top = sel64(pos, num, h), topl = sel64(pos, numl, 0.0);
    double q0 = top / dd, c = (D(-q0, dd, top) + D(-q0, ddl, topl)) * rd;
    double emu = pos ? 0.0 : em;
    double r = q0 + D(q0, emu, D(c, emu, c));
    return pos ? r : (x == x ? r * pow2_64(k) : x);
}
static inline double tanh_fastact_f64(double x) {
    int64_t k;
    double y = -2.0 * abs64(x);
    y = y < -40.0 ? -40.0 : y;
    double e = em64(red64(y, &k)), s = pow2_64(k), em = D(e, s, s - 1.0);
    double d = 2.0 + em, delta = (2.0 - d) + em, q = -em / d;
    return copysign64(D(D(-q, delta, D(-q, d, -em)), (1.0 + q) * 0.5, q), x);
}
LOOP(l_tsh_fastact32, float, tanhshrink_fastact_f32) LOOP(l_mish_fastact32, float, mish_fastact_f32)
LOOP(l_mish_fastact64, double, mish_fastact_f64) LOOP(l_mishd_fastact64, double, mish_d_fastact_f64)
LOOP(l_tanh_fastact64, double, tanh_fastact_f64)
/* GELU (erf form) float64, the kernel's formula (gelu_exp_f64, gelu_q_f64, gelu_f64 and
 * gelu_d_parts_f64 in _math.pxd.tp, with its coefficients): exp(-a^2/2) with a^2 = h + hl and
 * the reduced argument's rounding error carried in; y = 2a/(a + KS) - 1 with its error yl
 * (times a cubic fit of g'), g's last Horner step as hi + lo, 1 + sqrt2 a as hi + lo, the
 * quotient g / (1 + sqrt2 a) corrected with its exact remainder, the products as hi + lo; the
 * derivative's t H(t) within 0.5 of its zero a0. The plain double formula rounds a^2 into
 * the exp: exp(-a^2/2)'s relative error grows as a^2/2 2^-53 (about 700 ULP at a = 37). */
static inline double two_sum_err64(double a, double b, double s) { double bb = s - a; return (a - (s - bb)) + (b - bb); }
static inline double gelu_exp64(double a, int64_t* k) {
    double h = a * a, y = -0.5 * h, t = D(y, 1.44269504088896338700, 6755399441055744.0);
    double kf = t - 6755399441055744.0;
    *k = (int64_t)(db(t) - db(6755399441055744.0));
    double t1 = D(kf, -6.93147180369123816490e-01, y), t2 = D(kf, -1.90821492927058770002e-10, -0.5 * D(a, a, -h));
    double r = t1 + t2, rl = (t1 - r) + t2, e = em64(r);
    return e + D(e, rl, rl);
}
static const double GE64[] = {3.1378846511761647155e-10, -2.5140918998270645806e-10,
    -4.9635838442979722874e-9, 9.631295465367069972e-10, 3.9304099148410575474e-8,
    -4.7500921083452585513e-9, -2.5735277487980382243e-7, 1.0449714867271399527e-7,
    1.6414822539908352877e-6, -1.8624824255035108774e-6, -9.7499031786008597124e-6,
    2.573758882898624349e-5, 3.4320347508889329807e-5, -2.7565882737069494627e-4,
    3.8021766230428493817e-4, 1.363152669811442509e-3, -8.8390593064672480873e-3,
    0.026979322156407603806, -0.057346242331421658033, 0.091853715862812994068,
    -0.10986577623406552431, 0.084511961061240909866, 1.6134389831377516654e-3,
    -0.14026688494092275107};
static const double GDG64[] = {-1.0458433744910809112, 0.79223481428489611323,
    0.15164958331136928289, -0.20431341078017955846};
static const double GHE64[] = {3.349597917571709189e-8, -2.9954550366794680763e-9,
    -5.6942559026798596573e-7, 4.334404532212634618e-7, 7.7482647063478446059e-6,
    -1.1214516928818857106e-5, -8.615945268854124505e-5, 1.8633976419999437776e-4,
    7.4482683673372131288e-4, -2.2395380694159657916e-3, -4.5392283790482982495e-3,
    0.019421679838242333512, 0.014771522148242961446, -0.11400823329722265846,
    0.018199676398671094267, 0.3882849829905520028};
#define HORNER(v, x, C, n) _Pragma("GCC unroll 32") for (int i_ = 1; i_ < (n); i_++) v = D(v, x, C[i_]);
static inline double gelu_q64(double a, double* ql) {
    double v = (a + a) / (a + 5.25), y = v - 1.0, yl = (-1.0 - y) + v, p = GE64[0], dg = GDG64[0];
    HORNER(p, y, GE64, 24) HORNER(dg, y, GDG64, 4)
    double s = y * p, sl = D(y, p, -s) + yl * dg;
    double gh = 1.2382210155455591342 + s, gl = (((1.2382210155455591342 - gh) + s) + sl) + 5.588088445760077e-17;
    double t = a * 1.4142135623730951, tl = D(a, 1.4142135623730951, -t) + a * -9.667293313452913e-17;
    double dh = 1.0 + t, dl = two_sum_err64(1.0, t, dh) + tl, w = 1.0 / dh, q0 = gh * w;
    *ql = ((D(-q0, dh, gh) + gl) - q0 * dl) * w;
    return q0;
}
static inline double gelu_fastact_f64(double x) {
    int64_t k;
    double ql, a = abs64(x), lim = sel64(x < 0.0, 39.0, 9.0), ac = sel64(a > lim, lim, a);
    double e = gelu_exp64(ac, &k), q = gelu_q64(ac, &ql);
    double p = ac * q, pl = D(ac, q, -p) + ac * ql, u = p * e, r0 = p + u;
    double r = ((r0 + ((two_sum_err64(p, u, r0) + D(p, e, -u)) + D(pl, e, pl))) * 0.5) * pow2_64(k);
    return x < 0.0 ? -r : x - r;
}
static inline double gelu_d_fastact_f64(double x) {
    int64_t k;
    double ql, a = abs64(x), lim = sel64(x < 0.0, 55.0, 9.0), ac = sel64(a > lim, lim, a);
    double e = gelu_exp64(ac, &k), q = gelu_q64(ac, &ql);
    double p = ac * 0.3989422804014327, pl = D(ac, 0.3989422804014327, -p) + ac * -2.49232720227773e-17;
    double b = (0.5 * q - p) + (0.5 * ql - pl), t = (ac - 0.7517915246935645) - -1.4956759177009883e-17;
    double h = GHE64[0];
    HORNER(h, t, GHE64, 16)
    h = -0.43149399231404691979 + D(h, t, -2.7312180971500348e-17);
    int near = abs64(t) <= 0.5;
    double f = (near ? t * h : D(e, b, b)) * pow2_64(near ? 0 : k);
    return x == x ? (x < 0.0 ? f : 1.0 - f) : x;
}
LOOP(l_gelu_fastact64, double, gelu_fastact_f64) LOOP(l_gelud_fastact64, double, gelu_d_fastact_f64)
/* softmax float64 and log_softmax (both dtypes), the kernels' formulas (the rows kernels,
 * _log_sum_exp and _sum in _kernels.pyx.tp): max and min over order keys in one pass; per
 * block of 1024, 16-lane block sums added into a double TwoSum accumulator. softmax:
 * exp(x - mx) corrected for the rounding of x - mx (TwoSum: an error of |x - mx| 2^-53 in the
 * exponent is that relative error in the result, hundreds of ULP at |x - mx| = 700), then the
 * scaling by 1/sum. log_softmax: exp(x - mx) into a buffer (0 where x = mx, counted as ties),
 * lse = log1p(sum + ties - 1) in double, so that the largest entries keep their relative
 * accuracy (log(sum) would round 1 + a small sum: -lse, the result at the maximum, would lose
 * its digits); then (x - mx) - lse. (The one log of a row is this file's log_plain_f64, not
 * libm's log1p: it is not linked, and one call a row costs little.) */
#define ROW_MAX_MIN(name, T, I, U, SH) \
static inline T name(const T* x, long n, T* mn) { \
    I m = (I)((U)1 << SH), lo = ~m; /* (the smallest and largest keys) */ \
    for (long i = 0; i < n; i++) { \
        I b; memcpy(&b, &x[i], sizeof b); b ^= (b >> SH) & (I)(((U)1 << SH) - 1); \
        m = b > m ? b : m; lo = b < lo ? b : lo; \
    } \
    I c = m ^ ((m >> SH) & (I)(((U)1 << SH) - 1)); T r; memcpy(&r, &c, sizeof r); \
    c = lo ^ ((lo >> SH) & (I)(((U)1 << SH) - 1)); memcpy(mn, &c, sizeof c); \
    return r; \
}
ROW_MAX_MIN(row_max_min, float, int32_t, uint32_t, 31) ROW_MAX_MIN(drow_max_min, double, int64_t, uint64_t, 63)
LANE_SUM(dlane_sum16, double, 16)
static inline double exp_shifted64(double x, double mx) {
    int64_t k;
    double hi = x - mx, r = red64(hi, &k) + two_sum_err64(x, -mx, hi);
    return (1.0 + em64(r)) * pow2_64(k);
}
__attribute__((noinline)) static void softmax_fastact_rows64(const double* X, double* O, long rows, long n) {
    for (long r = 0; r < rows; r++) {
        const double* x = X + r * n; double* o = O + r * n;
        double mn, mx = drow_max_min(x, n, &mn), hi = 0, lo = 0;
        for (long i = 0; i < n; i++) o[i] = exp_shifted64(x[i], mx);
        for (long c = 0; c < n; c += 1024) {
            double v = dlane_sum16(o + c, n - c < 1024 ? n - c : 1024), t = hi + v, bb = t - hi;
            lo += (hi - (t - bb)) + (v - bb); hi = t;
        }
        double inv = 1.0 / (hi + lo);
        for (long i = 0; i < n; i++) o[i] *= inv;
    }
}
#define LOG_SOFTMAX_FASTACT_ROWS(name, T, I, rmaxmin, expf_, lsum) \
__attribute__((noinline)) static void name(const T* X, T* O, long rows, long n) { \
    T buf[1024]; \
    for (long r = 0; r < rows; r++) { \
        const T* x = X + r * n; T* o = O + r * n; \
        T mn, mx = rmaxmin(x, n, &mn); \
        double hi = 0, lo = 0; long ties = 0; \
        for (long c = 0; c < n; c += 1024) { \
            long cn = n - c < 1024 ? n - c : 1024; I cnt = 0; \
            for (long j = 0; j < cn; j++) { \
                T d = x[c + j] - mx; \
                buf[j] = d == 0 ? 0 : expf_(d); cnt += d == 0; \
            } \
            ties += cnt; \
            double v = lsum(buf, cn), t = hi + v, bb = t - hi; \
            lo += (hi - (t - bb)) + (v - bb); hi = t; \
        } \
        T lse = (T)log_plain_f64(1.0 + ((hi + lo) + (double)(ties - 1))); \
        for (long i = 0; i < n; i++) o[i] = (x[i] - mx) - lse; \
    } \
}
LOG_SOFTMAX_FASTACT_ROWS(log_softmax_fastact_rows32, float, int32_t, row_max_min, exp_any_f32, lane_sum)
LOG_SOFTMAX_FASTACT_ROWS(log_softmax_fastact_rows64, double, int64_t, drow_max_min, exp_any_f64, dlane_sum16)

/* `c_model table`: every loop below timed on 1 Mi elements (softmax_rows on 1024 x 1000), one
 * line each, "model <loop> <G elements/s>". The catalogue names the loops that model each row
 * and pass against PyTorch (fastact/_catalogue.py, ("model", pass) in a row's bench data):
 * "plain", the formula without the compensation the bounds need (PyTorch's formula, or
 * cheaper), above which a target asks for a cheaper formula than the plain one; "formula", the
 * kernel's fast path, the work its bounds cost: a target between the two conflicts with the
 * bounds. bench/targets.py --model times the same loops through the library interface below. */
typedef void (*loop1_f32)(const float*, float*, long);
typedef void (*loop1_f64)(const double*, double*, long);
typedef void (*loop2_f32)(const float*, const float*, float*, long);
typedef void (*loop2_f64)(const double*, const double*, double*, long);
typedef void (*rows_f32)(const float*, float*, long, long);
typedef void (*rows_f64)(const double*, double*, long, long);
static void softmax_rows_sum(const float* X, float* O, long rows, long n) { softmax_rows(X, O, rows, n, 1); }
#define M1F(l) {#l, 1, (void (*)(void))l}
#define M1D(l) {#l, 2, (void (*)(void))l}
#define M2F(l) {#l, 3, (void (*)(void))l}
#define M2D(l) {#l, 4, (void (*)(void))l}
#define MRF(name, l) {name, 5, (void (*)(void))l}  /* 1024 rows of 1000 */
#define MRD(name, l) {name, 6, (void (*)(void))l}
/* the piecewise, scaled-from-y and per-channel loops of session 16, in one dtype */
#define PW_MODELS(b, M1, M2) \
    M1(l_hsw_plain##b), M1(l_hsw_fastact##b), M1(l_hswd_plain##b), M1(l_hswd_fastact##b), \
    M1(l_hsg_plain##b), M1(l_hsg_fastact##b), M1(l_band_d##b), M1(l_band06_d##b), \
    M1(l_band_half_d##b), M1(l_spl_plain##b), M1(l_spl_fastact##b), M2(l_splb##b), \
    M2(l_ssby_plain##b), M2(l_ssby_fastact##b), M2(l_rsqby##b), M2(l_hswb_plain##b), \
    M2(l_hswb_fastact##b), M2(l_sby_plain##b), M2(l_sby_fastact##b), M2(l_pcf##b), \
    M2(l_pcd##b),
static const struct { const char* name; int kind; void (*fn)(void); } MODELS[] = {
    M1F(l_exp32), M1F(l_div32), M1F(l_sig32), M1D(l_exp64), M1D(l_div64), M1D(l_sig64),
    M1D(l_sigp64), M1F(l_gelu_t32), M1F(l_gelu_f32), M1F(l_gelu_floor32), M1F(l_gt32),
    M1D(l_gt64), M1F(l_gtd32), M1F(l_gtdc32), M1D(l_gtd64), M1F(l_sp32), M1D(l_sp64),
    M1D(l_tsh64), M1F(l_tsh32), M1F(l_tanh_div32), M1F(l_tanh_newton32), M1D(l_tanh64),
    M1F(l_silu_plain32), M1F(l_silu_fastact32), M1D(l_silu_plain64), M2F(l_silub_plain32),
    M2F(l_silub_fastact32), M2D(l_silub_plain64), M2F(l_spb_plain32), M2F(l_spb_fastact32),
    M2D(l_spb_plain64), M1F(l_mish32), M1D(l_mish64), M1F(l_mishd32), M1D(l_mishd64),
    M1F(l_elu32), M1D(l_elu64), M2F(l_elub32), M2D(l_elub64), M1F(l_softsign32),
    M1D(l_softsign64), M1D(l_gelu64), M1D(l_gelud64), M2F(l_gated_plain32),
    M2F(l_gated_fastact32), M2D(l_gated_plain64), M2F(l_glu_plain32), M2D(l_glu_plain64),
    M2D(l_glu_fastact64), M1F(l_abs32), M1D(l_abs64), M2F(l_mul32), M2D(l_mul64),
    M1F(l_tsh_fastact32), M1F(l_mish_fastact32), M1D(l_mish_fastact64),
    M1D(l_mishd_fastact64), M1D(l_tanh_fastact64), M1D(l_gelu_fastact64),
    M1D(l_gelud_fastact64),
    PW_MODELS(32, M1F, M2F) PW_MODELS(64, M1D, M2D)
    MRF("softmax_rows", softmax_rows_sum), MRD("softmax_rows64", softmax_rows_f64),
    MRF("log_softmax_rows32", log_softmax_rows_f32), MRD("log_softmax_rows64", log_softmax_rows_f64),
    MRF("log_softmax_fastact_rows32", log_softmax_fastact_rows32),
    MRD("log_softmax_fastact_rows64", log_softmax_fastact_rows64),
    MRD("softmax_fastact_rows64", softmax_fastact_rows64),
};
#define NMODELS ((long)(sizeof MODELS / sizeof MODELS[0]))

/* The arrays every loop runs on: x (and X, the same values in double) uniform in [-6, 6], u
 * (U) in [-1.7, 1.7] the second input of the two-input loops, o (O) the output; 1 Mi each. */
static float *x_, *o_, *u_;
static double *X_, *O_, *U_;
static const long N_ = 1 << 20;
static void arrays(void) {
    x_ = aligned_alloc(64, N_ * 4); o_ = aligned_alloc(64, N_ * 4); u_ = aligned_alloc(64, N_ * 4);
    X_ = aligned_alloc(64, N_ * 8); O_ = aligned_alloc(64, N_ * 8); U_ = aligned_alloc(64, N_ * 8);
    srand(1);
    for (long i = 0; i < N_; i++) { X_[i] = (rand() / (double)RAND_MAX - 0.5) * 12; x_[i] = (float)X_[i]; }
    for (long i = 0; i < N_; i++) U_[i] = u_[i] = (float)((rand() / (double)RAND_MAX - 0.5) * 3.4);
}
/* one call of loop i; returns the elements it computed */
static long run_model(long i) {
    switch (MODELS[i].kind) {
    case 1: ((loop1_f32)MODELS[i].fn)(x_, o_, N_); return N_;
    case 2: ((loop1_f64)MODELS[i].fn)(X_, O_, N_); return N_;
    case 3: ((loop2_f32)MODELS[i].fn)(u_, x_, o_, N_); return N_;
    case 4: ((loop2_f64)MODELS[i].fn)(U_, X_, O_, N_); return N_;
    case 5: ((rows_f32)MODELS[i].fn)(x_, o_, 1024, 1000); return 1024 * 1000;
    default: ((rows_f64)MODELS[i].fn)(X_, O_, 1024, 1000); return 1024 * 1000;
    }
}
static void table(void) {
    for (long i = 0; i < NMODELS; i++) {
        long n = 0;
        double t = BEST(n = run_model(i));
        printf("model %s %.4f\n", MODELS[i].name, n / t / 1e9);
    }
}

#ifdef C_MODEL_LIB
/* Built as a shared library (-shared -fPIC -DC_MODEL_LIB), bench/targets.py --model times
 * the loops itself, in turn with the kernels and PyTorch, so that the machine's speed,
 * which drifts on a shared VM, moves all of them alike: c_model_init() once, then
 * c_model_find(name) (-1: no such loop) and c_model_run(index) (one call; the elements). */
void c_model_init(void) { if (!x_) arrays(); }
long c_model_find(const char* name) {
    for (long i = 0; i < NMODELS; i++) if (strcmp(MODELS[i].name, name) == 0) return i;
    return -1;
}
long c_model_run(long i) { return i >= 0 && i < NMODELS ? run_model(i) : 0; }
/* One call of elementwise loop i on the caller's arrays (u only for a loop of two inputs;
 * n elements; 0 for a loop of rows). The traffic loops run so on a row's own arrays: with
 * arrays of their own, 8-12 MiB more in a 16 MiB L3, the row's call that came after them ran
 * 1.5x slower on AMD EPYC Zen 2 (float32 relu, 1 Mi), one untimed call before it or not. */
long c_model_run_on(long i, const void* u, const void* x, void* o, long n) {
    if (i < 0 || i >= NMODELS) return 0;
    switch (MODELS[i].kind) {
    case 1: ((loop1_f32)MODELS[i].fn)(x, o, n); return n;
    case 2: ((loop1_f64)MODELS[i].fn)(x, o, n); return n;
    case 3: ((loop2_f32)MODELS[i].fn)(u, x, o, n); return n;
    case 4: ((loop2_f64)MODELS[i].fn)(u, x, o, n); return n;
    default: return 0;
    }
}
#else
int main(int argc, char** argv) {
    if (argc > 1 && strcmp(argv[1], "check") == 0) return check_newton();
    arrays();
    if (argc > 1 && strcmp(argv[1], "table") == 0) {
        table();
        return 0;
    }
    long n = N_;
    float *x = x_, *o = o_;
    double *X = X_, *O = O_;
    printf("float32 exp     %.2f G elements/s\n", n / BEST(l_exp32(x, o, n)) / 1e9);
    printf("float32 div     %.2f\n", n / BEST(l_div32(x, o, n)) / 1e9);
    printf("float32 sigmoid %.2f\n", n / BEST(l_sig32(x, o, n)) / 1e9);
    printf("float64 exp     %.2f\n", n / BEST(l_exp64(X, O, n)) / 1e9);
    printf("float64 div     %.2f\n", n / BEST(l_div64(X, O, n)) / 1e9);
    printf("float64 sigmoid %.2f\n", n / BEST(l_sig64(X, O, n)) / 1e9);
    printf("float32 GELU, PyTorch's formula  %.2f\n", n / BEST(l_gelu_t32(x, o, n)) / 1e9);
    printf("float32 GELU, fastact (double)    %.2f\n", n / BEST(l_gelu_f32(x, o, n)) / 1e9);
    printf("float32 GELU, float floor         %.2f\n", n / BEST(l_gelu_floor32(x, o, n)) / 1e9);
    printf("float32 GELU tanh form, float floor %.2f\n", n / BEST(l_gt32(x, o, n)) / 1e9);
    printf("float64 GELU tanh form, plain       %.2f\n", n / BEST(l_gt64(X, O, n)) / 1e9);
    printf("float32 GELU tanh form', float floor %.2f\n", n / BEST(l_gtd32(x, o, n)) / 1e9);
    printf("float64 GELU tanh form', plain       %.2f\n", n / BEST(l_gtd64(X, O, n)) / 1e9);
    printf("float32 GELU tanh form', float + hi/lo %.2f\n", n / BEST(l_gtdc32(x, o, n)) / 1e9);
    printf("float32 Softplus, plain exp + log1p %.2f\n", n / BEST(l_sp32(x, o, n)) / 1e9);
    printf("float64 Softplus, plain exp + log1p %.2f\n", n / BEST(l_sp64(X, O, n)) / 1e9);
    printf("float64 Tanhshrink, plain            %.2f\n", n / BEST(l_tsh64(X, O, n)) / 1e9);
    printf("float32 tanh, division           %.2f\n", n / BEST(l_tanh_div32(x, o, n)) / 1e9);
    printf("float32 tanh, Newton (no division) %.2f\n", n / BEST(l_tanh_newton32(x, o, n)) / 1e9);
    float* u = aligned_alloc(64, n * 4);
    for (long i = 0; i < n; i++) u[i] = (float)((rand() / (double)RAND_MAX - 0.5) * 3.4);
    printf("float32 Softplus backward, plain g sigmoid(x)  %.2f\n", n / BEST(l_spb_plain32(u, x, o, n)) / 1e9);
    printf("float32 Softplus backward, fastact's fast path %.2f\n", n / BEST(l_spb_fastact32(u, x, o, n)) / 1e9);
    printf("float32 Softplus backward, without beta x's error %.2f\n", n / BEST(l_spb_nolo32(u, x, o, n)) / 1e9);
    printf("float32 SiLU, plain x sigmoid(x)     %.2f\n", n / BEST(l_silu_plain32(x, o, n)) / 1e9);
    printf("float32 SiLU, fastact's fast path    %.2f\n", n / BEST(l_silu_fastact32(x, o, n)) / 1e9);
    printf("float32 SiLU backward, plain         %.2f\n", n / BEST(l_silub_plain32(u, x, o, n)) / 1e9);
    printf("float32 SiLU backward, fastact's fast path %.2f\n", n / BEST(l_silub_fastact32(u, x, o, n)) / 1e9);
    for (long i = 0; i < n; i++) u[i] = (x[i] < 0.f ? -x[i] : x[i]) / 6.f;
    printf("float32 e/(1+e), division           %.2f\n", n / BEST(l_quot_div32(u, o, n)) / 1e9);
    printf("float32 e/(1+e), Newton (no division) %.2f\n", n / BEST(l_quot_newton32(u, o, n)) / 1e9);
    free(u);
    long rows = 1024, cols = 1000;
    printf("float32 softmax 1024 x 1000        %.3f ms\n", BEST(softmax_rows(x, o, rows, cols, 1)) * 1e3);
    printf("float32 softmax 1024 x 1000 no sum %.3f ms\n", BEST(softmax_rows(x, o, rows, cols, 0)) * 1e3);
    return 0;
}
#endif
