namespace CloudHsm.Cli;

/// <summary>The CLI's exit codes (documented in <c>--help</c> and README.md).</summary>
internal static class ExitCodes
{
    /// <summary>The command did what was asked.</summary>
    public const int Ok = 0;

    /// <summary>The module returned a CKR error, or could not be loaded.</summary>
    public const int Pkcs11Error = 1;

    /// <summary>Bad arguments, a missing or unreadable PIN source, or an ambiguous token choice.</summary>
    public const int Usage = 2;
}

/// <summary>A problem with how the command was invoked; exits with <see cref="ExitCodes.Usage"/>.</summary>
internal sealed class UsageException(string message) : Exception(message);
