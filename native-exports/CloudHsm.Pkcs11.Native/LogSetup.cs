using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using CloudHsm.Core.Diagnostics;

namespace CloudHsm.Pkcs11.Native;

/// <summary>Turns the diagnostic log on from the environment as soon as the runtime starts (on the
/// first call into the library), so that the calls before C_Initialize are traced too.
/// C_Initialize reconfigures it with the configuration's settings.</summary>
internal static class LogSetup
{
    [ModuleInitializer]
    [SuppressMessage("Usage", "CA2255:The 'ModuleInitializer' attribute should not be used in libraries",
        Justification = "This library is the process's PKCS#11 module; its log must be ready before the first export runs.")]
    internal static void Initialize()
    {
        DiagnosticLog.ProcessId = NativeProcess.CurrentId;
        DiagnosticLog.Configure(null, null);
    }
}
