;; HOSTILE bad-import-signature: imports pentora.call with two parameters
;; instead of (i32, i32, i32) -> i32. A JS import accepts any arity, so V8
;; would link it: only the loader's signature check stops it. Otherwise
;; identical to wat-baseline.
(module
  (import "pentora" "call" (func $call (param i32 i32) (result i32)))
  (import "pentora" "take" (func $take (param i32)))
  (import "pentora" "output" (func $output (param i32 i32)))
  (import "pentora" "abort" (func $abort (param i32 i32 i32 i32)))
  (memory (export "memory") 1)
  ;; describe's reply, a log request, and an empty ExecuteOutput
  (data (i32.const 16) "{\"name\":\"hostile/bad-import-signature\",\"version\":\"0.1.0\",\"abi\":1}")
  (data (i32.const 256) "{\"level\":\"info\",\"msg\":\"hostile/bad-import-signature ran\"}")
  (data (i32.const 512) "{}")
  ;; inputs go to a fixed buffer at 1024; 32 KiB is ample for config and ExecuteInput
  (func (export "alloc") (param $len i32) (result i32)
    (if (result i32) (i32.le_u (local.get $len) (i32.const 32768)) (then (i32.const 1024)) (else (i32.const 0))))
  (func (export "dealloc") (param $ptr i32) (param $len i32))
  (func (export "describe") (result i32)
    (call $output (i32.const 16) (i32.const 65))
    (i32.const 0))
  (func (export "configure") (param $ptr i32) (param $len i32) (result i32)
    (i32.const 0))
  ;; one log host call (its small reply is taken at 40000, clear of the input buffer), then "{}"
  (func (export "execute") (param $ptr i32) (param $len i32) (result i32)
    (drop (call $call (i32.const 3) (i32.const 256)))
    (call $take (i32.const 40000))
    (call $output (i32.const 512) (i32.const 2))
    (i32.const 0))
  (func (export "cleanup") (result i32)
    (i32.const 0)))
