namespace CloudHsm.Core.Mechanisms.Aes;

/// <summary>
/// A few keyed cipher instances of one key, handed to one operation at a time: .NET does not document
/// <see cref="System.Security.Cryptography.AesGcm"/> or <see cref="System.Security.Cryptography.SymmetricAlgorithm"/>
/// as safe for concurrent use, and keying a new one per call costs more than the cipher work on small
/// inputs (the GCM-over-1-KiB hot path, DESIGN fact 9). Never blocks; at most <paramref name="capacity"/>
/// idle instances are kept, any more are disposed on return.
/// </summary>
internal sealed class InstancePool<T>(Func<T> create, int capacity = 8) where T : class, IDisposable
{
    private readonly Stack<T> _idle = new();

    public T Rent()
    {
        lock (_idle)
            if (_idle.TryPop(out var idle))
                return idle;
        return create();
    }

    public void Return(T instance)
    {
        lock (_idle)
        {
            if (_idle.Count < capacity)
            {
                _idle.Push(instance);
                return;
            }
        }
        instance.Dispose();
    }
}
