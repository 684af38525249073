;; The backward pass of a sigmoid layer followed by dropout, in one pass (WebAssembly SIMD, on
;; tfjs-wasm's own memory): dz = (dy * mask) * (y * (1 - y)), each product and difference rounded
;; to float32 in the order tfjs's Multiply and Sigmoid gradients take them, so the result is
;; bit-identical to those four kernels. Without a mask (mask offset 0) it is dy * (y * (1 - y)).
;; In: byte offsets of dy, y, mask (or 0) and the output, and the length. Out: dz written.
;; (ASCII only: wabt reads each character's low byte.) `npm run gen` assembles it.
(module
  (import "env" "memory" (memory 0))
  (func (export "sigmoidGrad")
    (param $dy i32) (param $y i32) (param $m i32) (param $out i32) (param $n i32)
    (local $i i32) (local $end4 i32) (local $off i32) (local $yv v128) (local $dv v128)
    (local $ys f32) (local $ds f32)
    (local.set $end4 (i32.and (local.get $n) (i32.const -4)))
    (block $done4
      (loop $four
        (br_if $done4 (i32.ge_u (local.get $i) (local.get $end4)))
        (local.set $off (i32.shl (local.get $i) (i32.const 2)))
        (local.set $yv (v128.load (i32.add (local.get $y) (local.get $off))))
        (local.set $dv (v128.load (i32.add (local.get $dy) (local.get $off))))
        (if (local.get $m)
          (then
            (local.set $dv
              (f32x4.mul (local.get $dv) (v128.load (i32.add (local.get $m) (local.get $off)))))))
        (v128.store (i32.add (local.get $out) (local.get $off))
          (f32x4.mul (local.get $dv)
            (f32x4.mul (local.get $yv)
              (f32x4.sub (v128.const f32x4 1 1 1 1) (local.get $yv)))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $four)))
    ;; The last n mod 4 elements, one at a time, with the same operations.
    (block $done
      (loop $one
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $off (i32.shl (local.get $i) (i32.const 2)))
        (local.set $ys (f32.load (i32.add (local.get $y) (local.get $off))))
        (local.set $ds (f32.load (i32.add (local.get $dy) (local.get $off))))
        (if (local.get $m)
          (then
            (local.set $ds
              (f32.mul (local.get $ds) (f32.load (i32.add (local.get $m) (local.get $off)))))))
        (f32.store (i32.add (local.get $out) (local.get $off))
          (f32.mul (local.get $ds)
            (f32.mul (local.get $ys) (f32.sub (f32.const 1) (local.get $ys)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $one))))
)
