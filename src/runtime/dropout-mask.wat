;; Dropout masks from seedrandom's Alea generator, in exact integer arithmetic. Alea's step
;; t = 2091639*s0 + c*2^-32, c = floor(t), s = t - c keeps every s a multiple of 2^-32, so with
;; S = s*2^32 it is the multiply-with-carry step X = 2091639*S0 + c, c = X >> 32, S = X mod 2^32,
;; exactly (X < 2^53, which JavaScript's doubles also hold exactly). Integers put only an add and a
;; shift on the carry chain, where the doubles put a multiply, an add and a conversion.
;; Each number u = S*2^-32 is rounded to float32 as tf.randomUniform stores it, and the mask is
;; tf.dropout's floor(u + keep) / keep in float32: `kept` where u + keep reaches 1, else 0.
;; In: the seeded state (S0, S1, S2 from Mash; c starts at 1), n, keep and 1/keep as float32, an
;; offset in this module's own memory. Out: n float32 multipliers there. (ASCII only: wabt reads
;; each character's low byte.) `npm run gen` assembles it (dropout-mask-wasm.generated.ts).
(module
  (memory (export "memory") 1)
  (func (export "mask")
    (param $s0 i64) (param $s1 i64) (param $s2 i64) (param $n i32)
    (param $keep f32) (param $kept f32) (param $out i32)
    (local $c i64) (local $x i64) (local $end i32) (local $u f32)
    (local.set $c (i64.const 1))
    (local.set $end (i32.add (local.get $out) (i32.shl (local.get $n) (i32.const 2))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $out) (local.get $end)))
        (local.set $x (i64.add (i64.mul (i64.const 2091639) (local.get $s0)) (local.get $c)))
        (local.set $s0 (local.get $s1))
        (local.set $s1 (local.get $s2))
        (local.set $c (i64.shr_u (local.get $x) (i64.const 32)))
        (local.set $s2 (i64.and (local.get $x) (i64.const 0xffffffff)))
        ;; S < 2^32 converts to float32 with one rounding; the power-of-two scale is then exact.
        (local.set $u (f32.mul (f32.convert_i64_u (local.get $s2)) (f32.const 0x1p-32)))
        ;; The comparison's 0 or 1 becomes a bit mask for `kept`'s bits: no branch. Half the numbers
        ;; go each way at random, and a select that V8 compiled as a jump mispredicted so often that
        ;; it cost 8x the rest of the loop (8.4 against 1.1 ns a number).
        (i32.store (local.get $out)
          (i32.and (i32.reinterpret_f32 (local.get $kept))
            (i32.sub (i32.const 0)
              (f32.ge (f32.add (local.get $u) (local.get $keep)) (f32.const 1)))))
        (local.set $out (i32.add (local.get $out) (i32.const 4)))
        (br $next))))
)
