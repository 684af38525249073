;; Adam's element-wise update for the wasm backend, four float32 lanes at a time (WebAssembly SIMD),
;; on tfjs-wasm's own memory (imported), so no byte is copied. Each lane performs tf.train.adam's
;; float32 operations in tfjs's order (see fused-adam.ts); f32x4 +, ×, ÷ and √ round like their
;; scalar forms, so the result is bit-identical to tfjs's kernels.
;; In: byte offsets of value, m, v, gradient and the three outputs, the length, the float32 scalars.
;; Out: new value, m and v written at the output offsets. `npm run gen` assembles it (adam-simd.ts).
(module
  (import "env" "memory" (memory 0))
  (func (export "adam")
    (param $x i32) (param $m i32) (param $v i32) (param $g i32)
    (param $ox i32) (param $om i32) (param $ov i32) (param $n i32)
    (param $b1 f32) (param $omb1 f32) (param $b2 f32) (param $omb2 f32)
    (param $omab1 f32) (param $omab2 f32) (param $eps f32) (param $nlr f32)
    (local $i i32) (local $end4 i32) (local $off i32)
    (local $gv v128) (local $m4 v128) (local $v4 v128)
    (local $vb1 v128) (local $vomb1 v128) (local $vb2 v128) (local $vomb2 v128)
    (local $vomab1 v128) (local $vomab2 v128) (local $veps v128) (local $vnlr v128)
    (local $gs f32) (local $ms f32) (local $vs f32)
    (local.set $vb1 (f32x4.splat (local.get $b1)))
    (local.set $vomb1 (f32x4.splat (local.get $omb1)))
    (local.set $vb2 (f32x4.splat (local.get $b2)))
    (local.set $vomb2 (f32x4.splat (local.get $omb2)))
    (local.set $vomab1 (f32x4.splat (local.get $omab1)))
    (local.set $vomab2 (f32x4.splat (local.get $omab2)))
    (local.set $veps (f32x4.splat (local.get $eps)))
    (local.set $vnlr (f32x4.splat (local.get $nlr)))
    (local.set $end4 (i32.and (local.get $n) (i32.const -4)))
    (block $done4
      (loop $four
        (br_if $done4 (i32.ge_u (local.get $i) (local.get $end4)))
        (local.set $off (i32.shl (local.get $i) (i32.const 2)))
        (local.set $gv (v128.load (i32.add (local.get $g) (local.get $off))))
        ;; m1 = m·β1 + g·(1−β1)
        (local.set $m4
          (f32x4.add
            (f32x4.mul (v128.load (i32.add (local.get $m) (local.get $off))) (local.get $vb1))
            (f32x4.mul (local.get $gv) (local.get $vomb1))))
        ;; v1 = v·β2 + g²·(1−β2)
        (local.set $v4
          (f32x4.add
            (f32x4.mul (v128.load (i32.add (local.get $v) (local.get $off))) (local.get $vb2))
            (f32x4.mul (f32x4.mul (local.get $gv) (local.get $gv)) (local.get $vomb2))))
        (v128.store (i32.add (local.get $om) (local.get $off)) (local.get $m4))
        (v128.store (i32.add (local.get $ov) (local.get $off)) (local.get $v4))
        ;; value + (m1/(1−β1ᵗ)) / (√(v1/(1−β2ᵗ)) + ε) · (−lr)
        (v128.store (i32.add (local.get $ox) (local.get $off))
          (f32x4.add
            (f32x4.mul
              (f32x4.div
                (f32x4.div (local.get $m4) (local.get $vomab1))
                (f32x4.add
                  (f32x4.sqrt (f32x4.div (local.get $v4) (local.get $vomab2)))
                  (local.get $veps)))
              (local.get $vnlr))
            (v128.load (i32.add (local.get $x) (local.get $off)))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $four)))
    ;; The last n mod 4 elements, one at a time, with the same operations.
    (block $done
      (loop $one
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $off (i32.shl (local.get $i) (i32.const 2)))
        (local.set $gs (f32.load (i32.add (local.get $g) (local.get $off))))
        (local.set $ms
          (f32.add
            (f32.mul (f32.load (i32.add (local.get $m) (local.get $off))) (local.get $b1))
            (f32.mul (local.get $gs) (local.get $omb1))))
        (local.set $vs
          (f32.add
            (f32.mul (f32.load (i32.add (local.get $v) (local.get $off))) (local.get $b2))
            (f32.mul (f32.mul (local.get $gs) (local.get $gs)) (local.get $omb2))))
        (f32.store (i32.add (local.get $om) (local.get $off)) (local.get $ms))
        (f32.store (i32.add (local.get $ov) (local.get $off)) (local.get $vs))
        (f32.store (i32.add (local.get $ox) (local.get $off))
          (f32.add
            (f32.mul
              (f32.div
                (f32.div (local.get $ms) (local.get $omab1))
                (f32.add
                  (f32.sqrt (f32.div (local.get $vs) (local.get $omab2)))
                  (local.get $eps)))
              (local.get $nlr))
            (f32.load (i32.add (local.get $x) (local.get $off)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $one)))))
