;; FIR resampling kernels (f32x4 SIMD). Source of fir-kernel-wasm.ts; rebuild with
;; `node packages/core/scripts/build-fir-kernel.mjs` (needs the `wabt` npm package).
;;
;; Memory layout is owned by the caller (resampler.ts):
;;   x:   f32[Kp - 1 + nIn]  history (Kp - 1 samples, filled by the caller) then this chunk
;;   in:  i16[nIn]           the chunk's samples
;;   out: i16[...]           output samples
;;   phases {i32 coef, i32 bytes, i32 skip}[L]  phase p's taps (f32, reversed, a multiple of 8 of
;;                           them, from byte `coef`) start `skip` bytes into the history window
;; `t` is the position of the next output sample in 1/L input-sample units, relative to the
;; chunk's first sample. Kp - 1 is the history length. Returns the number of samples written.
;;
;; `decimate2` halves the rate with a half-band filter, whose taps at even distances from its centre
;; are zero: the input is split into its even and odd samples (by global position; `phase` is that
;; of the chunk's first sample), and each output is 40 odd-stream taps plus the centre tap times one
;; even sample — half the work of the general kernel, which multiplies the zeros too.
;;   o:   f32[40 + nIn/2]  odd-stream history (40 samples, filled by the caller) then this chunk's odds
;;   e:   f32[20 + nIn/2]  even-stream history (20 samples) then this chunk's evens
;;   coef: f32[40]         the odd taps, reversed (tap u multiplies o[j + phase + u] for output j)
;; One output per even sample of the chunk; returns their number.
;;
;; `interpolate2` doubles the rate when the polyphase filter's second phase is a pure delay (an
;; upsampling filter with its centre on a tap): per input sample, output 2i is phase 0's dot product
;; (taps from byte `coef`, `bytes` of them, `skip` bytes into the window, summed exactly as `process`
;; sums them, so the output is bit for bit the same) and output 2i + 1 is the sample `delay` bytes
;; into the window, as it is. `process` would run 8 taps and a division for that one, per sample.
;; Returns 2 × nIn.
(module
  (import "env" "memory" (memory 1))
  (func (export "process")
    (param $phases i32) (param $L i32) (param $M i32) (param $Kp i32) (param $t i32)
    (param $nIn i32) (param $x i32) (param $in i32) (param $out i32)
    (result i32)
    (local $i i32) (local $p i32) (local $c i32) (local $xp i32) (local $end i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $n i32) (local $limit i32)
    (local $v i32)
    ;; convert the chunk to f32 after the history
    (local.set $xp (i32.add (local.get $x) (i32.shl (i32.sub (local.get $Kp) (i32.const 1)) (i32.const 2))))
    (local.set $end (i32.add (local.get $in) (i32.shl (local.get $nIn) (i32.const 1))))
    (block $cdone
      (loop $conv
        (br_if $cdone (i32.ge_u (local.get $in) (local.get $end)))
        (f32.store (local.get $xp) (f32.convert_i32_s (i32.load16_s (local.get $in))))
        (local.set $in (i32.add (local.get $in) (i32.const 2)))
        (local.set $xp (i32.add (local.get $xp) (i32.const 4)))
        (br $conv)))
    (local.set $limit (i32.mul (local.get $nIn) (local.get $L)))
    (block $done
      (loop $outer
        (br_if $done (i32.ge_u (local.get $t) (local.get $limit)))
        (local.set $i (i32.div_u (local.get $t) (local.get $L)))
        (local.set $p (i32.sub (local.get $t) (i32.mul (local.get $i) (local.get $L))))
        (local.set $p (i32.add (local.get $phases) (i32.mul (local.get $p) (i32.const 12))))
        (local.set $c (i32.load (local.get $p)))
        (local.set $end (i32.add (local.get $c) (i32.load offset=4 (local.get $p))))
        (local.set $xp (i32.add (i32.add (local.get $x) (i32.shl (local.get $i) (i32.const 2)))
          (i32.load offset=8 (local.get $p))))
        (local.set $a0 (v128.const i32x4 0 0 0 0))
        (local.set $a1 (v128.const i32x4 0 0 0 0))
        (local.set $a2 (v128.const i32x4 0 0 0 0))
        (local.set $a3 (v128.const i32x4 0 0 0 0))
        ;; 16 taps per turn while they last, then 8
        (block $mdone
          (loop $mac
            (br_if $mdone (i32.gt_u (i32.add (local.get $c) (i32.const 64)) (local.get $end)))
            (local.set $a0 (f32x4.add (local.get $a0)
              (f32x4.mul (v128.load (local.get $c)) (v128.load (local.get $xp)))))
            (local.set $a1 (f32x4.add (local.get $a1)
              (f32x4.mul (v128.load offset=16 (local.get $c)) (v128.load offset=16 (local.get $xp)))))
            (local.set $a2 (f32x4.add (local.get $a2)
              (f32x4.mul (v128.load offset=32 (local.get $c)) (v128.load offset=32 (local.get $xp)))))
            (local.set $a3 (f32x4.add (local.get $a3)
              (f32x4.mul (v128.load offset=48 (local.get $c)) (v128.load offset=48 (local.get $xp)))))
            (local.set $c (i32.add (local.get $c) (i32.const 64)))
            (local.set $xp (i32.add (local.get $xp) (i32.const 64)))
            (br $mac)))
        (if (i32.lt_u (local.get $c) (local.get $end))
          (then
            (local.set $a0 (f32x4.add (local.get $a0)
              (f32x4.mul (v128.load (local.get $c)) (v128.load (local.get $xp)))))
            (local.set $a1 (f32x4.add (local.get $a1)
              (f32x4.mul (v128.load offset=16 (local.get $c)) (v128.load offset=16 (local.get $xp)))))))
        (local.set $a0 (f32x4.add (f32x4.add (local.get $a0) (local.get $a1))
          (f32x4.add (local.get $a2) (local.get $a3))))
        (local.set $v (i32.trunc_sat_f32_s (f32.nearest
          (f32.add
            (f32.add (f32x4.extract_lane 0 (local.get $a0)) (f32x4.extract_lane 1 (local.get $a0)))
            (f32.add (f32x4.extract_lane 2 (local.get $a0)) (f32x4.extract_lane 3 (local.get $a0)))))))
        (if (i32.gt_s (local.get $v) (i32.const 32767)) (then (local.set $v (i32.const 32767))))
        (if (i32.lt_s (local.get $v) (i32.const -32768)) (then (local.set $v (i32.const -32768))))
        (i32.store16 (i32.add (local.get $out) (i32.shl (local.get $n) (i32.const 1))) (local.get $v))
        (local.set $n (i32.add (local.get $n) (i32.const 1)))
        (local.set $t (i32.add (local.get $t) (local.get $M)))
        (br $outer)))
    (local.get $n))
  (func (export "decimate2")
    (param $coef i32) (param $center f32) (param $nIn i32) (param $phase i32)
    (param $o i32) (param $e i32) (param $in i32) (param $out i32)
    (result i32)
    (local $op i32) (local $ep i32) (local $end i32) (local $odd i32) (local $j i32) (local $n i32)
    (local $w i32) (local $a0 v128) (local $a1 v128) (local $v i32)
    ;; split the chunk into the two streams, as f32, after their histories
    (local.set $op (i32.add (local.get $o) (i32.const 160)))
    (local.set $ep (i32.add (local.get $e) (i32.const 80)))
    (local.set $end (i32.add (local.get $in) (i32.shl (local.get $nIn) (i32.const 1))))
    (local.set $odd (local.get $phase))
    (block $sdone
      (loop $split
        (br_if $sdone (i32.ge_u (local.get $in) (local.get $end)))
        (if (local.get $odd)
          (then
            (f32.store (local.get $op) (f32.convert_i32_s (i32.load16_s (local.get $in))))
            (local.set $op (i32.add (local.get $op) (i32.const 4))))
          (else
            (f32.store (local.get $ep) (f32.convert_i32_s (i32.load16_s (local.get $in))))
            (local.set $ep (i32.add (local.get $ep) (i32.const 4)))))
        (local.set $odd (i32.xor (local.get $odd) (i32.const 1)))
        (local.set $in (i32.add (local.get $in) (i32.const 2)))
        (br $split)))
    (local.set $n (i32.shr_u (i32.sub (local.get $ep) (i32.add (local.get $e) (i32.const 80))) (i32.const 2)))
    (block $done
      (loop $outer
        (br_if $done (i32.ge_u (local.get $j) (local.get $n)))
        (local.set $w (i32.add (local.get $o) (i32.shl (i32.add (local.get $j) (local.get $phase)) (i32.const 2))))
        (local.set $a0 (f32x4.mul (v128.load (local.get $coef)) (v128.load (local.get $w))))
        (local.set $a1 (f32x4.mul (v128.load offset=16 (local.get $coef)) (v128.load offset=16 (local.get $w))))
        (local.set $a0 (f32x4.add (local.get $a0)
          (f32x4.mul (v128.load offset=32 (local.get $coef)) (v128.load offset=32 (local.get $w)))))
        (local.set $a1 (f32x4.add (local.get $a1)
          (f32x4.mul (v128.load offset=48 (local.get $coef)) (v128.load offset=48 (local.get $w)))))
        (local.set $a0 (f32x4.add (local.get $a0)
          (f32x4.mul (v128.load offset=64 (local.get $coef)) (v128.load offset=64 (local.get $w)))))
        (local.set $a1 (f32x4.add (local.get $a1)
          (f32x4.mul (v128.load offset=80 (local.get $coef)) (v128.load offset=80 (local.get $w)))))
        (local.set $a0 (f32x4.add (local.get $a0)
          (f32x4.mul (v128.load offset=96 (local.get $coef)) (v128.load offset=96 (local.get $w)))))
        (local.set $a1 (f32x4.add (local.get $a1)
          (f32x4.mul (v128.load offset=112 (local.get $coef)) (v128.load offset=112 (local.get $w)))))
        (local.set $a0 (f32x4.add (local.get $a0)
          (f32x4.mul (v128.load offset=128 (local.get $coef)) (v128.load offset=128 (local.get $w)))))
        (local.set $a1 (f32x4.add (local.get $a1)
          (f32x4.mul (v128.load offset=144 (local.get $coef)) (v128.load offset=144 (local.get $w)))))
        (local.set $a0 (f32x4.add (local.get $a0) (local.get $a1)))
        ;; the centre tap: even sample j - 19 of the stream (index j + 1 after its 20-sample history)
        (local.set $v (i32.trunc_sat_f32_s (f32.nearest
          (f32.add
            (f32.add
              (f32.add (f32x4.extract_lane 0 (local.get $a0)) (f32x4.extract_lane 1 (local.get $a0)))
              (f32.add (f32x4.extract_lane 2 (local.get $a0)) (f32x4.extract_lane 3 (local.get $a0))))
            (f32.mul (local.get $center)
              (f32.load offset=4 (i32.add (local.get $e) (i32.shl (local.get $j) (i32.const 2)))))))))
        (if (i32.gt_s (local.get $v) (i32.const 32767)) (then (local.set $v (i32.const 32767))))
        (if (i32.lt_s (local.get $v) (i32.const -32768)) (then (local.set $v (i32.const -32768))))
        (i32.store16 (i32.add (local.get $out) (i32.shl (local.get $j) (i32.const 1))) (local.get $v))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $outer)))
    (local.get $n))
  (func (export "interpolate2")
    (param $coef i32) (param $bytes i32) (param $skip i32) (param $delay i32) (param $Kp i32)
    (param $nIn i32) (param $x i32) (param $in i32) (param $out i32)
    (result i32)
    (local $i i32) (local $c i32) (local $xp i32) (local $end i32) (local $w i32) (local $o i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $v i32)
    ;; convert the chunk to f32 after the history
    (local.set $xp (i32.add (local.get $x) (i32.shl (i32.sub (local.get $Kp) (i32.const 1)) (i32.const 2))))
    (local.set $end (i32.add (local.get $in) (i32.shl (local.get $nIn) (i32.const 1))))
    (block $cdone
      (loop $conv
        (br_if $cdone (i32.ge_u (local.get $in) (local.get $end)))
        (f32.store (local.get $xp) (f32.convert_i32_s (i32.load16_s (local.get $in))))
        (local.set $in (i32.add (local.get $in) (i32.const 2)))
        (local.set $xp (i32.add (local.get $xp) (i32.const 4)))
        (br $conv)))
    (local.set $end (i32.add (local.get $coef) (local.get $bytes)))
    (block $done
      (loop $outer
        (br_if $done (i32.ge_u (local.get $i) (local.get $nIn)))
        ;; the window of input sample i
        (local.set $w (i32.add (local.get $x) (i32.shl (local.get $i) (i32.const 2))))
        (local.set $c (local.get $coef))
        (local.set $xp (i32.add (local.get $w) (local.get $skip)))
        (local.set $a0 (v128.const i32x4 0 0 0 0))
        (local.set $a1 (v128.const i32x4 0 0 0 0))
        (local.set $a2 (v128.const i32x4 0 0 0 0))
        (local.set $a3 (v128.const i32x4 0 0 0 0))
        ;; 16 taps per turn while they last, then 8 (as in `process`)
        (block $mdone
          (loop $mac
            (br_if $mdone (i32.gt_u (i32.add (local.get $c) (i32.const 64)) (local.get $end)))
            (local.set $a0 (f32x4.add (local.get $a0)
              (f32x4.mul (v128.load (local.get $c)) (v128.load (local.get $xp)))))
            (local.set $a1 (f32x4.add (local.get $a1)
              (f32x4.mul (v128.load offset=16 (local.get $c)) (v128.load offset=16 (local.get $xp)))))
            (local.set $a2 (f32x4.add (local.get $a2)
              (f32x4.mul (v128.load offset=32 (local.get $c)) (v128.load offset=32 (local.get $xp)))))
            (local.set $a3 (f32x4.add (local.get $a3)
              (f32x4.mul (v128.load offset=48 (local.get $c)) (v128.load offset=48 (local.get $xp)))))
            (local.set $c (i32.add (local.get $c) (i32.const 64)))
            (local.set $xp (i32.add (local.get $xp) (i32.const 64)))
            (br $mac)))
        (if (i32.lt_u (local.get $c) (local.get $end))
          (then
            (local.set $a0 (f32x4.add (local.get $a0)
              (f32x4.mul (v128.load (local.get $c)) (v128.load (local.get $xp)))))
            (local.set $a1 (f32x4.add (local.get $a1)
              (f32x4.mul (v128.load offset=16 (local.get $c)) (v128.load offset=16 (local.get $xp)))))))
        (local.set $a0 (f32x4.add (f32x4.add (local.get $a0) (local.get $a1))
          (f32x4.add (local.get $a2) (local.get $a3))))
        (local.set $v (i32.trunc_sat_f32_s (f32.nearest
          (f32.add
            (f32.add (f32x4.extract_lane 0 (local.get $a0)) (f32x4.extract_lane 1 (local.get $a0)))
            (f32.add (f32x4.extract_lane 2 (local.get $a0)) (f32x4.extract_lane 3 (local.get $a0)))))))
        (if (i32.gt_s (local.get $v) (i32.const 32767)) (then (local.set $v (i32.const 32767))))
        (if (i32.lt_s (local.get $v) (i32.const -32768)) (then (local.set $v (i32.const -32768))))
        (local.set $o (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 2))))
        (i32.store16 (local.get $o) (local.get $v))
        ;; the pure-delay phase: an input sample, already a whole number
        (i32.store16 offset=2 (local.get $o)
          (i32.trunc_sat_f32_s (f32.load (i32.add (local.get $w) (local.get $delay)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $outer)))
    (i32.shl (local.get $nIn) (i32.const 1)))
)
