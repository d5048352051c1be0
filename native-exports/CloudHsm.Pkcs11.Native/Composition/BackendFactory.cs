using CloudHsm.Core.Backend;
using CloudHsm.Core.Configuration;
using CloudHsm.Core.Embedded;
using CloudHsm.Storage.Sqlite;

namespace CloudHsm.Pkcs11.Native.Composition;

/// <summary>Chooses and builds the backend for a configuration: the one place that knows the
/// concrete backends (embedded today; remote later, from the same configuration).</summary>
internal static class BackendFactory
{
    public static ICryptokiBackend Open(ModuleConfig config) =>
        // getpid() rather than the store's /proc/self fallback: the store reopens its SQLite
        // connections when the process changes (never carry a connection across fork).
        EmbeddedBackend.Open(config, new SqliteTokenDirectory(config.TokenDirectory, NativeProcess.CurrentId));
}
