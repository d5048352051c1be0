using System.Security.Cryptography;
using CloudHsm.Core.Errors;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Fuzz.Harness;

/// <summary>
/// One parser of untrusted bytes, driven by a fuzz input. <see cref="Run"/> lets every exception out;
/// <see cref="IsRefusal"/> decides whether one is the code's documented answer to bad input — what the
/// boundary (native-exports/…/Boundary.cs) turns into a spec CKR — or a bug. A bug crashes the fuzzed
/// process, which is what AFL records.
/// </summary>
internal abstract class FuzzTarget
{
    /// <summary>The name on the command line and of the corpus and regression folders.</summary>
    public abstract string Name { get; }

    /// <summary>One line for `list`.</summary>
    public abstract string Description { get; }

    /// <summary>Runs one input. Throws <see cref="FuzzOracleException"/> when an invariant of the code
    /// under test is broken without an exception (a tampered record that opens, a round trip that differs).</summary>
    public abstract void Run(ReadOnlySpan<byte> input);

    /// <summary>The seed corpus: a few small valid inputs per shape the target reads.</summary>
    public abstract IEnumerable<(string Name, byte[] Input)> Seeds();

    /// <summary>
    /// Whether <paramref name="e"/> is an expected refusal. The default is the boundary's mapping for a
    /// call into the core: any CkrException but CKR_GENERAL_ERROR (the core's "cannot happen") and
    /// CKR_DEVICE_ERROR (the store is in memory and sound), and a CryptographicException from the BCL
    /// (CKR_FUNCTION_FAILED). Everything else — NullReference, IndexOutOfRange, ArgumentOutOfRange,
    /// Overflow, InvalidCast, AsnContentException, BouncyCastle's ArgumentException … — reaches the boundary
    /// as CKR_GENERAL_ERROR and is a bug.
    /// </summary>
    public virtual bool IsRefusal(Exception e) => e switch
    {
        CkrException ckr => ckr.Rv is not (CKR.CKR_GENERAL_ERROR or CKR.CKR_DEVICE_ERROR),
        CryptographicException => true,
        _ => false,
    };

    /// <summary>Runs one input and classifies its end: <see cref="Outcome.Bug"/> is the exception that is
    /// a bug, <see cref="Outcome.Refusal"/> the refusal it ended with (both null: it went through).</summary>
    public Outcome Classify(ReadOnlySpan<byte> input)
    {
        try
        {
            Run(input);
            return default;
        }
        catch (Exception e) when (IsRefusal(e))
        {
            return new Outcome(null, e);
        }
        catch (Exception e)
        {
            return new Outcome(e, null);
        }
    }
}

/// <param name="Bug">The exception that is a bug, or null.</param>
/// <param name="Refusal">The documented refusal the input ended with, or null.</param>
internal readonly record struct Outcome(Exception? Bug, Exception? Refusal);

/// <summary>An invariant of the code under test broken without an exception of its own.</summary>
internal sealed class FuzzOracleException(string message) : Exception(message);
