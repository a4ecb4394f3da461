;; HOSTILE foreign-import: imports env.something, a function outside the
;; pentora namespace (an embedder hook it hopes the host will bind), and
;; calls it from execute. Otherwise identical to wat-baseline.
(module
  (import "pentora" "call" (func $call (param i32 i32 i32) (result i32)))
  (import "pentora" "take" (func $take (param i32)))
  (import "pentora" "output" (func $output (param i32 i32)))
  (import "pentora" "abort" (func $abort (param i32 i32 i32 i32)))
  (import "env" "something" (func $something))
  (memory (export "memory") 1)
  ;; describe's reply, a log request, and an empty ExecuteOutput
  (data (i32.const 16) "{\"name\":\"hostile/foreign-import\",\"version\":\"0.1.0\",\"abi\":1}")
  (data (i32.const 256) "{\"level\":\"info\",\"msg\":\"hostile/foreign-import ran\"}")
  (data (i32.const 512) "{}")
  ;; inputs go to a fixed buffer at 1024; 32 KiB is ample for config and ExecuteInput
  (func (export "alloc") (param $len i32) (result i32)
    (if (result i32) (i32.le_u (local.get $len) (i32.const 32768)) (then (i32.const 1024)) (else (i32.const 0))))
  (func (export "dealloc") (param $ptr i32) (param $len i32))
  (func (export "describe") (result i32)
    (call $output (i32.const 16) (i32.const 59))
    (i32.const 0))
  (func (export "configure") (param $ptr i32) (param $len i32) (result i32)
    (i32.const 0))
  ;; one log host call (its small reply is taken at 40000, clear of the input buffer), then "{}"
  (func (export "execute") (param $ptr i32) (param $len i32) (result i32)
    (call $something)
    (drop (call $call (i32.const 3) (i32.const 256) (i32.const 51)))
    (call $take (i32.const 40000))
    (call $output (i32.const 512) (i32.const 2))
    (i32.const 0))
  (func (export "cleanup") (result i32)
    (i32.const 0)))
