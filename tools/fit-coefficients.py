#!/usr/bin/env python3
"""Polynomial coefficients of Quiver's own transcendentals (kernel/MathF64.java and its twin).

Chebyshev fits (near-minimax) in 60-digit arithmetic with mpmath, rounded to the target dtype,
printed as Java hex literals. Rerun to reproduce the constants; the error bounds themselves are
measured by the Java tests, not here.
  exp:  e^r = 1 + r + r^2 Q(r),            r in [-ln2/2, ln2/2]
  log:  R(z) = z P(z) = 2 atanh(s)/s - 2,  z = s^2, s = f/(2+f), f in [sqrt(1/2)-1, sqrt(2)-1]
  tanh: tanh(x) = x + x z T(z),            z = x^2 <= TANH_SMALL^2
"""
import sys
import mpmath as mp
import numpy as np

mp.mp.dps = 60
TANH_SMALL = mp.mpf(0.625)

def java_hex(v, f32):
    x = np.float32(float(v)) if f32 else float(v)
    h = float(x).hex()                       # 0x1.xxxp-3
    return "(double) " + h

def fit(f, a, b, degree):
    coeffs, err = mp.chebyfit(f, [a, b], degree + 1, error=True)
    return list(reversed(coeffs)), err       # lowest degree first

def q_exp(r):
    if abs(r) < mp.mpf('1e-20'):
        return mp.mpf(1) / 2 + r / 6
    return (mp.exp(r) - 1 - r) / (r * r)

def p_log(z):
    if z < mp.mpf('1e-40'):
        return mp.mpf(2) / 3
    s = mp.sqrt(z)
    return (2 * mp.atanh(s) / s - 2) / z

def t_tanh(z):
    if z < mp.mpf('1e-40'):
        return -mp.mpf(1) / 3
    x = mp.sqrt(z)
    return (mp.tanh(x) / x - 1) / z

smax = (mp.sqrt(2) - 1) / (mp.sqrt(2) + 1)
for name, fn, a, b, degs in [
        ("EXP_C", q_exp, -mp.log(2) / 2, mp.log(2) / 2, {"F64": 9, "F32": 4}),
        ("LOG_C", p_log, mp.mpf(0), smax * smax, {"F64": 6, "F32": 2}),
        ("TANH_C", t_tanh, mp.mpf(0), TANH_SMALL ** 2, {"F64": 11, "F32": 5})]:
    for dt, d in degs.items():
        c, err = fit(fn, a, b, d)
        print(f"    // {name} {dt}: degree {d}, fit error {mp.nstr(err, 3)}")
        for i, v in enumerate(c):
            pre = "    //[F32] " if dt == "F32" else "    "
            post = " //[F64]" if dt == "F64" else ""
            print(f"{pre}public static final double {name}{i} = {java_hex(v, dt == 'F32')};{post}")
