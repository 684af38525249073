;; C = A · B for row-major float32 matrices (A m × k, B k × n, n a multiple of 8), WebAssembly
;; SIMD, on tfjs-wasm's own memory (imported). Each output is a left-to-right sum over k starting
;; from 0, one float32 multiply and one add per term (no fused multiply-add), the order XNNPACK's
;; kernels use, so the result is bit-identical to tfjs-wasm's BatchMatMul; unlike it, B is read in
;; place, never repacked. Tiles of 4 rows × 8 columns (8 accumulators: more spill registers in V8),
;; then single rows. In: byte offsets of A, B and C, and m, k, n. Out: C written (see wasm-matmul.ts).
;; `npm run gen` assembles it (gemm-simd-wasm.generated.ts).
(module
  (import "env" "memory" (memory 0))
  ;; C[4 rows, 8 columns] = A[4 rows, k columns] · B[k rows, 8 columns]; strides in bytes.
  (func $tile4 (param $a0 i32) (param $b i32) (param $c i32) (param $k i32)
    (param $lda i32) (param $ldb i32) (param $ldc i32)
    (local $a1 i32) (local $a2 i32) (local $a3 i32) (local $end i32)
    (local $b0 v128) (local $b1 v128) (local $x v128)
    (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128) (local $c20 v128) (local $c21 v128) (local $c30 v128) (local $c31 v128)
    (local.set $a1 (i32.add (local.get $a0) (local.get $lda)))
    (local.set $a2 (i32.add (local.get $a1) (local.get $lda)))
    (local.set $a3 (i32.add (local.get $a2) (local.get $lda)))
    (local.set $end (i32.add (local.get $a0) (i32.shl (local.get $k) (i32.const 2))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $a0) (local.get $end)))
        (local.set $b0 (v128.load (local.get $b)))
        (local.set $b1 (v128.load offset=16 (local.get $b)))
        (local.set $x (v128.load32_splat (local.get $a0)))
        (local.set $c00 (f32x4.add (local.get $c00) (f32x4.mul (local.get $x) (local.get $b0))))
        (local.set $c01 (f32x4.add (local.get $c01) (f32x4.mul (local.get $x) (local.get $b1))))
        (local.set $x (v128.load32_splat (local.get $a1)))
        (local.set $c10 (f32x4.add (local.get $c10) (f32x4.mul (local.get $x) (local.get $b0))))
        (local.set $c11 (f32x4.add (local.get $c11) (f32x4.mul (local.get $x) (local.get $b1))))
        (local.set $x (v128.load32_splat (local.get $a2)))
        (local.set $c20 (f32x4.add (local.get $c20) (f32x4.mul (local.get $x) (local.get $b0))))
        (local.set $c21 (f32x4.add (local.get $c21) (f32x4.mul (local.get $x) (local.get $b1))))
        (local.set $x (v128.load32_splat (local.get $a3)))
        (local.set $c30 (f32x4.add (local.get $c30) (f32x4.mul (local.get $x) (local.get $b0))))
        (local.set $c31 (f32x4.add (local.get $c31) (f32x4.mul (local.get $x) (local.get $b1))))
        (local.set $a0 (i32.add (local.get $a0) (i32.const 4)))
        (local.set $a1 (i32.add (local.get $a1) (i32.const 4)))
        (local.set $a2 (i32.add (local.get $a2) (i32.const 4)))
        (local.set $a3 (i32.add (local.get $a3) (i32.const 4)))
        (local.set $b (i32.add (local.get $b) (local.get $ldb)))
        (br $next)))
    (v128.store (local.get $c) (local.get $c00))
    (v128.store offset=16 (local.get $c) (local.get $c01))
    (v128.store (i32.add (local.get $c) (i32.mul (local.get $ldc) (i32.const 1))) (local.get $c10))
    (v128.store offset=16 (i32.add (local.get $c) (i32.mul (local.get $ldc) (i32.const 1))) (local.get $c11))
    (v128.store (i32.add (local.get $c) (i32.mul (local.get $ldc) (i32.const 2))) (local.get $c20))
    (v128.store offset=16 (i32.add (local.get $c) (i32.mul (local.get $ldc) (i32.const 2))) (local.get $c21))
    (v128.store (i32.add (local.get $c) (i32.mul (local.get $ldc) (i32.const 3))) (local.get $c30))
    (v128.store offset=16 (i32.add (local.get $c) (i32.mul (local.get $ldc) (i32.const 3))) (local.get $c31)))
  ;; C[1 rows, 8 columns] = A[1 rows, k columns] · B[k rows, 8 columns]; strides in bytes.
  (func $tile1 (param $a0 i32) (param $b i32) (param $c i32) (param $k i32)
    (param $lda i32) (param $ldb i32) (param $ldc i32)
    (local $end i32)
    (local $b0 v128) (local $b1 v128) (local $x v128)
    (local $c00 v128) (local $c01 v128)
    (local.set $end (i32.add (local.get $a0) (i32.shl (local.get $k) (i32.const 2))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $a0) (local.get $end)))
        (local.set $b0 (v128.load (local.get $b)))
        (local.set $b1 (v128.load offset=16 (local.get $b)))
        (local.set $x (v128.load32_splat (local.get $a0)))
        (local.set $c00 (f32x4.add (local.get $c00) (f32x4.mul (local.get $x) (local.get $b0))))
        (local.set $c01 (f32x4.add (local.get $c01) (f32x4.mul (local.get $x) (local.get $b1))))
        (local.set $a0 (i32.add (local.get $a0) (i32.const 4)))
        (local.set $b (i32.add (local.get $b) (local.get $ldb)))
        (br $next)))
    (v128.store (local.get $c) (local.get $c00))
    (v128.store offset=16 (local.get $c) (local.get $c01)))
  (func (export "gemm")
    (param $a i32) (param $b i32) (param $c i32) (param $m i32) (param $k i32) (param $n i32)
    (local $i i32) (local $j i32) (local $full i32) (local $lda i32) (local $ldb i32)
    (local $row i32) (local $out i32)
    (local.set $lda (i32.shl (local.get $k) (i32.const 2)))
    (local.set $ldb (i32.shl (local.get $n) (i32.const 2)))
    (local.set $full (i32.and (local.get $m) (i32.const -4)))
    ;; Four rows at a time, then one.
    (block $rows_done
      (loop $rows
        (br_if $rows_done (i32.ge_u (local.get $i) (local.get $m)))
        (local.set $row (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $lda))))
        (local.set $out (i32.add (local.get $c) (i32.mul (local.get $i) (local.get $ldb))))
        (local.set $j (i32.const 0))
        (block $cols_done
          (loop $cols
            (br_if $cols_done (i32.ge_u (local.get $j) (local.get $n)))
            (if (i32.lt_u (local.get $i) (local.get $full))
              (then
                (call $tile4 (local.get $row) (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 2)))
                  (i32.add (local.get $out) (i32.shl (local.get $j) (i32.const 2)))
                  (local.get $k) (local.get $lda) (local.get $ldb) (local.get $ldb)))
              (else
                (call $tile1 (local.get $row) (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 2)))
                  (i32.add (local.get $out) (i32.shl (local.get $j) (i32.const 2)))
                  (local.get $k) (local.get $lda) (local.get $ldb) (local.get $ldb))))
            (local.set $j (i32.add (local.get $j) (i32.const 8)))
            (br $cols)))
        (local.set $i
          (i32.add (local.get $i) (select (i32.const 4) (i32.const 1) (i32.lt_u (local.get $i) (local.get $full)))))
        (br $rows))))
)
