namespace CloudHsm.Core.Mechanisms.Mac;

/// <summary>
/// The MAC of one sign or verify operation. A one-shot call (C_Sign, C_Verify) borrows a keyed function
/// from the key's pool (<see cref="MacKey"/>) when there is one, or else goes to the algorithm's
/// one-shot; the incremental function is made only when C_*Update is first called, so the hot path
/// (C_SignInit + C_Sign) allocates nothing beyond the operation itself.
/// </summary>
internal sealed class MacComputation(MacAlgorithm algorithm, ReadOnlyMemory<byte> key,
    Aes.InstancePool<IMacFunction>? pool = null) : IDisposable
{
    private IMacFunction? _incremental;

    public int MacLength => algorithm.MacLength;

    public void Update(ReadOnlySpan<byte> part) => (_incremental ??= algorithm.Create(key.Span)).Update(part);

    /// <summary>The full MAC of everything given to <see cref="Update"/> (or of nothing).</summary>
    public void Final(Span<byte> mac)
    {
        if (_incremental is null)
            algorithm.Compute(key.Span, default, mac);
        else
            _incremental.Final(mac);
    }

    /// <summary>The full MAC of <paramref name="data"/> after anything already given to <see cref="Update"/>.</summary>
    public void Compute(ReadOnlySpan<byte> data, Span<byte> mac)
    {
        if (_incremental is null && pool is not null)
        {
            var function = pool.Rent();
            try
            {
                function.Update(data);
                function.Final(mac); // keyed and empty again
            }
            catch
            {
                function.Dispose(); // its state is unknown: never lent again
                throw;
            }
            pool.Return(function);
            return;
        }
        if (_incremental is null)
        {
            algorithm.Compute(key.Span, data, mac);
            return;
        }
        _incremental.Update(data);
        _incremental.Final(mac);
    }

    public void Dispose() => _incremental?.Dispose();
}
