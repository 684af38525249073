;; C = A · B, or its transpose, for row-major float32 matrices (A m × k, B k × n, n a multiple of
;; 8), WebAssembly SIMD, on tfjs-wasm's own memory (imported). Each output is a left-to-right sum over k starting
;; from 0, one float32 multiply and one add per term (no fused multiply-add), the order XNNPACK's
;; kernels use, so the result is bit-identical to tfjs-wasm's BatchMatMul; unlike it, B is read in
;; place, never repacked. Tiles of 4 rows × 8 columns (8 accumulators: more spill registers in V8),
;; then single rows. With `transC` each tile is written transposed (C^T, n × m): a·b^T is computed
;; as (b·a^T)^T, and storing the tile transposed saves a separate transpose of the n × m result,
;; which tfjs-wasm's Transpose took 70 us for at 256 × 64, a third of the product itself.
;; In: byte offsets of A, B and C, m, k, n, transC. Out: C written (see wasm-matmul.ts).
;; `npm run gen` assembles it (gemm-simd-wasm.generated.ts).
(module
  (import "env" "memory" (memory 0))
  ;; Rows r0..r3 (4 columns each) stored transposed: column j as 4 floats at c + j·ldc.
  (func $store4x4t (param $c i32) (param $ldc i32)
    (param $r0 v128) (param $r1 v128) (param $r2 v128) (param $r3 v128)
    (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128)
    ;; t0 = r0[0] r1[0] r0[1] r1[1], t1 = r0[2] r1[2] r0[3] r1[3]; t2, t3 likewise from r2, r3.
    (local.set $t0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $r0) (local.get $r1)))
    (local.set $t1 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $r0) (local.get $r1)))
    (local.set $t2 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $r2) (local.get $r3)))
    (local.set $t3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $r2) (local.get $r3)))
    (v128.store (local.get $c)
      (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t0) (local.get $t2)))
    (v128.store (i32.add (local.get $c) (local.get $ldc))
      (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t0) (local.get $t2)))
    (v128.store (i32.add (local.get $c) (i32.mul (local.get $ldc) (i32.const 2)))
      (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t1) (local.get $t3)))
    (v128.store (i32.add (local.get $c) (i32.mul (local.get $ldc) (i32.const 3)))
      (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t1) (local.get $t3))))
  ;; C[4 rows, 8 columns] = A[4 rows, k columns] · B[k rows, 8 columns]; strides in bytes. With
  ;; transC the tile goes to C^T: its column j as 4 floats at c + j·ldc.
  (func $tile4 (param $a0 i32) (param $b i32) (param $c i32) (param $k i32)
    (param $lda i32) (param $ldb i32) (param $ldc i32) (param $transC i32)
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
    (if (local.get $transC)
      (then
        (call $store4x4t (local.get $c) (local.get $ldc)
          (local.get $c00) (local.get $c10) (local.get $c20) (local.get $c30))
        (call $store4x4t (i32.add (local.get $c) (i32.shl (local.get $ldc) (i32.const 2))) (local.get $ldc)
          (local.get $c01) (local.get $c11) (local.get $c21) (local.get $c31))
        (return)))
    (v128.store (local.get $c) (local.get $c00))
    (v128.store offset=16 (local.get $c) (local.get $c01))
    (v128.store (i32.add (local.get $c) (i32.mul (local.get $ldc) (i32.const 1))) (local.get $c10))
    (v128.store offset=16 (i32.add (local.get $c) (i32.mul (local.get $ldc) (i32.const 1))) (local.get $c11))
    (v128.store (i32.add (local.get $c) (i32.mul (local.get $ldc) (i32.const 2))) (local.get $c20))
    (v128.store offset=16 (i32.add (local.get $c) (i32.mul (local.get $ldc) (i32.const 2))) (local.get $c21))
    (v128.store (i32.add (local.get $c) (i32.mul (local.get $ldc) (i32.const 3))) (local.get $c30))
    (v128.store offset=16 (i32.add (local.get $c) (i32.mul (local.get $ldc) (i32.const 3))) (local.get $c31)))
  ;; C[1 rows, 8 columns] = A[1 rows, k columns] · B[k rows, 8 columns]; strides as in $tile4.
  (func $tile1 (param $a0 i32) (param $b i32) (param $c i32) (param $k i32)
    (param $lda i32) (param $ldb i32) (param $ldc i32) (param $transC i32)
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
    (if (local.get $transC)
      (then
        (f32.store (local.get $c) (f32x4.extract_lane 0 (local.get $c00)))
        (f32.store (i32.add (local.get $c) (local.get $ldc)) (f32x4.extract_lane 1 (local.get $c00)))
        (f32.store (i32.add (local.get $c) (i32.mul (local.get $ldc) (i32.const 2))) (f32x4.extract_lane 2 (local.get $c00)))
        (f32.store (i32.add (local.get $c) (i32.mul (local.get $ldc) (i32.const 3))) (f32x4.extract_lane 3 (local.get $c00)))
        (f32.store (i32.add (local.get $c) (i32.mul (local.get $ldc) (i32.const 4))) (f32x4.extract_lane 0 (local.get $c01)))
        (f32.store (i32.add (local.get $c) (i32.mul (local.get $ldc) (i32.const 5))) (f32x4.extract_lane 1 (local.get $c01)))
        (f32.store (i32.add (local.get $c) (i32.mul (local.get $ldc) (i32.const 6))) (f32x4.extract_lane 2 (local.get $c01)))
        (f32.store (i32.add (local.get $c) (i32.mul (local.get $ldc) (i32.const 7))) (f32x4.extract_lane 3 (local.get $c01)))
        (return)))
    (v128.store (local.get $c) (local.get $c00))
    (v128.store offset=16 (local.get $c) (local.get $c01)))
  (func (export "gemm")
    (param $a i32) (param $b i32) (param $c i32) (param $m i32) (param $k i32) (param $n i32)
    (param $transC i32)
    (local $i i32) (local $j i32) (local $full i32) (local $lda i32) (local $ldb i32) (local $ldc i32)
    (local $row i32) (local $tile i32)
    (local.set $lda (i32.shl (local.get $k) (i32.const 2)))
    (local.set $ldb (i32.shl (local.get $n) (i32.const 2)))
    ;; C's rows are n floats apart; C^T's are m.
    (local.set $ldc
      (if (result i32) (local.get $transC)
        (then (i32.shl (local.get $m) (i32.const 2)))
        (else (local.get $ldb))))
    (local.set $full (i32.and (local.get $m) (i32.const -4)))
    ;; Four rows at a time, then one.
    (block $rows_done
      (loop $rows
        (br_if $rows_done (i32.ge_u (local.get $i) (local.get $m)))
        (local.set $row (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $lda))))
        (local.set $j (i32.const 0))
        (block $cols_done
          (loop $cols
            (br_if $cols_done (i32.ge_u (local.get $j) (local.get $n)))
            ;; Where C[i, j] lies: i·n + j floats in, or j·m + i in C^T.
            (local.set $tile
              (i32.add (local.get $c)
                (i32.shl
                  (if (result i32) (local.get $transC)
                    (then (i32.add (i32.mul (local.get $j) (local.get $m)) (local.get $i)))
                    (else (i32.add (i32.mul (local.get $i) (local.get $n)) (local.get $j))))
                  (i32.const 2))))
            (if (i32.lt_u (local.get $i) (local.get $full))
              (then
                (call $tile4 (local.get $row) (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 2)))
                  (local.get $tile) (local.get $k) (local.get $lda) (local.get $ldb) (local.get $ldc)
                  (local.get $transC)))
              (else
                (call $tile1 (local.get $row) (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 2)))
                  (local.get $tile) (local.get $k) (local.get $lda) (local.get $ldb) (local.get $ldc)
                  (local.get $transC))))
            (local.set $j (i32.add (local.get $j) (i32.const 8)))
            (br $cols)))
        (local.set $i
          (i32.add (local.get $i) (select (i32.const 4) (i32.const 1) (i32.lt_u (local.get $i) (local.get $full)))))
        (br $rows))))
)
