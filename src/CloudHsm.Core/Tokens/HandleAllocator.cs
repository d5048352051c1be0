namespace CloudHsm.Core.Tokens;

/// <summary>
/// Session and object handles: process-wide counters, so a handle is never reused — not after
/// C_Finalize/C_Initialize either — and a handle from one token is simply unknown to another. They stay
/// within 32 bits, the width of CK_ULONG on Windows (kryoptic next_handle).
/// </summary>
internal static class HandleAllocator
{
    private static long _nextSession;
    private static long _nextObject;

    public static ulong NextSession() => Next(ref _nextSession);

    public static ulong NextObject() => Next(ref _nextObject);

    private static ulong Next(ref long counter)
    {
        long value = Interlocked.Increment(ref counter);
        if (value > uint.MaxValue)
            throw new Errors.CkrException(Pkcs11.Abi.CKR.CKR_DEVICE_MEMORY, "handle space exhausted");
        return (ulong)value;
    }
}
