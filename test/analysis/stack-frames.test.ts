import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isExternalPath, parseStackFrames, repoRelative, type StackFrame } from "../../src/analysis/stack-frames.js";

const show = (frames: StackFrame[]) =>
  frames.map(
    (f) => `${f.lang} ${f.repoPath}:${f.line ?? ""} ${f.func ?? "-"} d${f.distance}${f.external ? " ext" : ""}`,
  );

describe("parseStackFrames", () => {
  it("python: most recent call last; site-packages frames are external with a repo-relative path", () => {
    const text = `Traceback (most recent call last):
  File "/srv/app/jobs/sync.py", line 44, in run
    client.push(batch)
  File "/srv/venv/lib/python3.12/site-packages/httpkit/client.py", line 210, in push
    raise PushError(msg)
  File "<frozen importlib._bootstrap>", line 1, in <module>
httpkit.errors.PushError: rejected`;
    assert.deepEqual(show(parseStackFrames(text)), [
      "python /srv/app/jobs/sync.py:44 run d0",
      "python httpkit/client.py:210 push d0 ext",
      "python <frozen importlib._bootstrap>:1 - d0 ext",
    ]);
  });

  it("python: chained tracebacks are separate traces", () => {
    const text = `Traceback (most recent call last):
  File "a.py", line 1, in f
KeyError: 'x'

During handling of the above exception, another exception occurred:

Traceback (most recent call last):
  File "b.py", line 2, in g
  File "c.py", line 3, in h
ValueError: bad`;
    assert.deepEqual(show(parseStackFrames(text)), ["python a.py:1 f d0", "python b.py:2 g d1", "python c.py:3 h d0"]);
  });

  it("node: innermost first; node_modules and node:internal are external", () => {
    const text = `TypeError: x is not a function
    at Router.dispatch (/app/src/router.ts:88:11)
    at async Server.handle (/app/src/server.ts:12:5)
    at Layer.handle [as handle_request] (/app/node_modules/express/lib/router/layer.js:95:5)
    at /app/src/index.js:3:1
    at processTicksAndRejections (node:internal/process/task_queues:95:5)`;
    assert.deepEqual(show(parseStackFrames(text)), [
      "javascript /app/src/router.ts:88 Router.dispatch d0",
      "javascript /app/src/server.ts:12 Server.handle d1",
      "javascript express/lib/router/layer.js:95 Layer.handle d2 ext",
      "javascript /app/src/index.js:3 - d2",
      "javascript node:internal/process/task_queues:95 processTicksAndRejections d3 ext",
    ]);
  });

  it("java: package-derived paths, JDK frames external, Caused by starts a new trace", () => {
    const text = `Exception in thread "main" java.lang.IllegalStateException: closed
	at com.acme.io.Pipe.write(Pipe.java:57)
	at com.acme.io.Pipe$Writer.lambda$flush$0(Pipe.java:90)
	at java.base/java.lang.Thread.run(Thread.java:833)
Caused by: java.io.IOException: broken
	at com.acme.io.Socket.send(Socket.kt:12)
	... 3 more`;
    assert.deepEqual(show(parseStackFrames(text)), [
      "java com/acme/io/Pipe.java:57 Pipe.write d0",
      "java com/acme/io/Pipe.java:90 Writer.flush d1",
      "java java/lang/Thread.java:833 Thread.run d2 ext",
      "java com/acme/io/Socket.kt:12 Socket.send d0",
    ]);
  });

  it("go: function lines give receiver-qualified names; runtime frames are external", () => {
    const text = `panic: runtime error: invalid memory address or nil pointer dereference
goroutine 1 [running]:
github.com/acme/jobq/internal/scheduler.(*Queue).Push(0x0, {0x10a2b40, 0xc0000b4000})
	/home/dev/jobq/internal/scheduler/queue.go:77 +0x5c
main.main()
	/home/dev/jobq/cmd/jobq/main.go:25 +0x85
runtime.goexit()
	/usr/local/go/src/runtime/asm_amd64.s:1650 +0x1`;
    assert.deepEqual(show(parseStackFrames(text)), [
      "go /home/dev/jobq/internal/scheduler/queue.go:77 Queue.Push d0",
      "go /home/dev/jobq/cmd/jobq/main.go:25 main d1",
    ]);
  });

  it("rust: panic location and backtrace frames with hashes stripped", () => {
    const text = `thread 'main' panicked at 'called \`Option::unwrap()\` on a \`None\` value', src/config.rs:31:10
stack backtrace:
   0: core::panicking::panic
             at /rustc/82e1608dfa6e0b5569232559e3d385fea5a93112/library/core/src/panicking.rs:144:5
   1: tomlette::config::Config::load::h3f2a1b4c5d6e7f80
             at ./src/config.rs:31:10`;
    assert.deepEqual(show(parseStackFrames(text)), [
      "rust src/config.rs:31 - d0",
      "rust /rustc/82e1608dfa6e0b5569232559e3d385fea5a93112/library/core/src/panicking.rs:144 panic d1 ext",
      "rust src/config.rs:31 Config.load d1",
    ]);
  });

  it("ruby, php, c# and compiler-style diagnostics", () => {
    assert.deepEqual(
      show(parseStackFrames("app/models/user.rb:12:in `save'\n\tfrom app/jobs/sync.rb:3:in `block in perform'")),
      ["ruby app/models/user.rb:12 save d0", "ruby app/jobs/sync.rb:3 perform d1"],
    );
    assert.deepEqual(show(parseStackFrames("#0 /var/www/src/Repo/UserRepo.php(42): App\\Repo\\UserRepo->find(7)")), [
      "php /var/www/src/Repo/UserRepo.php:42 UserRepo.find d0",
    ]);
    assert.deepEqual(show(parseStackFrames("   at App.Core.Foo.Run(Int32 x) in C:\\src\\App\\Foo.cs:line 42")), [
      "c_sharp /src/App/Foo.cs:42 Foo.Run d0",
    ]);
    assert.deepEqual(
      show(parseStackFrames("src/app.ts(12,5): error TS2345: bad\nlib/util.py:7: error: Incompatible types")),
      ["generic src/app.ts:12 - d0", "generic lib/util.py:7 - d0"],
    );
  });

  it("sanitizer and gdb frames: numbered, innermost first", () => {
    const text = `==1==ERROR: AddressSanitizer: heap-buffer-overflow
    #0 0x4faa0 in parse_value /home/dev/proj/src/parse.c:124:5
    #1 0x4fba0 in Reader::read(int) /home/dev/proj/src/reader.cpp:88:3
    #2 0x7f01 in __libc_start_main /usr/lib/x86_64-linux-gnu/libc.so.6:80
#3  0x0000555555555151 in main (argc=1, argv=0x7ffe) at src/main.c:12`;
    assert.deepEqual(show(parseStackFrames(text)), [
      "native /home/dev/proj/src/parse.c:124 parse_value d0",
      "native /home/dev/proj/src/reader.cpp:88 Reader.read d1",
      "native /usr/lib/x86_64-linux-gnu/libc.so.6:80 __libc_start_main d2 ext",
      "native src/main.c:12 main d2",
    ]);
  });

  it("ignores URLs and prose without locations", () => {
    assert.deepEqual(parseStackFrames("see https://example.com/a/b.py:12 and the docs"), []);
    assert.deepEqual(parseStackFrames("nothing to see here"), []);
  });
});

describe("isExternalPath / repoRelative", () => {
  it("classifies installed, runtime and application paths", () => {
    assert.ok(isExternalPath("/usr/lib/python3.11/json/decoder.py"));
    assert.ok(isExternalPath("C:\\proj\\node_modules\\x\\y.js"));
    assert.ok(isExternalPath("/root/go/pkg/mod/github.com/a/b@v1.2.3/c.go"));
    assert.ok(!isExternalPath("/home/me/proj/src/app.py"));
    assert.equal(repoRelative("/root/go/pkg/mod/github.com/a/b@v1.2.3/c/d.go"), "github.com/a/b/c/d.go");
    assert.equal(
      repoRelative("/home/u/.cargo/registry/src/index.crates.io-6f17d22bba15001f/serde-1.0.197/src/de.rs"),
      "serde/src/de.rs",
    );
  });
});
