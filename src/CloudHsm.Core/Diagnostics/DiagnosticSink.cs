using System.Text;
using Microsoft.Win32.SafeHandles;

namespace CloudHsm.Core.Diagnostics;

/// <summary>
/// Where log lines go: standard error or a file. Every line is written and flushed on the calling
/// thread (DESIGN fact 2: no background thread or thread pool may be involved, since the module runs
/// in processes that fork). Callers serialise writes.
/// </summary>
internal abstract class DiagnosticSink : IDisposable
{
    public abstract void WriteLine(string line);

    public abstract void Dispose();

    public static DiagnosticSink Open(string destination) =>
        string.Equals(destination, "stderr", StringComparison.OrdinalIgnoreCase)
            ? new StandardErrorSink()
            : new FileSink(destination);

    private sealed class StandardErrorSink : DiagnosticSink
    {
        private readonly Stream _stream = Console.OpenStandardError();

        public override void WriteLine(string line)
        {
            _stream.Write(Encoding.UTF8.GetBytes(line + "\n"));
            _stream.Flush();
        }

        /// <summary>Standard error belongs to the process, not to the log.</summary>
        public override void Dispose()
        {
        }
    }

    /// <summary>
    /// Appends at the file's current end on every write rather than at a remembered position: forked
    /// workers share the file, and .NET does not open files with O_APPEND. Two processes writing in
    /// the same instant may still interleave; for a diagnostic log that is acceptable.
    /// </summary>
    private sealed class FileSink(string path) : DiagnosticSink
    {
        private readonly SafeFileHandle _file = File.OpenHandle(path, FileMode.OpenOrCreate, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);

        public override void WriteLine(string line) =>
            RandomAccess.Write(_file, Encoding.UTF8.GetBytes(line + "\n"), RandomAccess.GetLength(_file));

        public override void Dispose() => _file.Dispose();
    }
}
