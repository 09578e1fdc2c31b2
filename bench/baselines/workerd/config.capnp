# peer-workerd baseline: one ES module worker (worker.mjs) doing the warm-invoke work.
#
# The socket's address here is only a default: bench/scenarios/peer-workerd.mjs picks a free port
# and overrides it with `workerd serve config.capnp --socket-addr http=127.0.0.1:PORT`.
# By hand: npx workerd serve bench/baselines/workerd/config.capnp --socket-addr http=127.0.0.1:8787

using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [(name = "main", worker = .benchWorker)],
  sockets = [(name = "http", address = "127.0.0.1:8787", http = (), service = "main")],
);

const benchWorker :Workerd.Worker = (
  modules = [(name = "worker.mjs", esModule = embed "worker.mjs")],
  compatibilityDate = "2025-01-01",
);
