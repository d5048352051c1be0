using CloudHsm.Core.Attributes;
using CloudHsm.Core.Errors;
using CloudHsm.Core.Storage;
using CloudHsm.Core.Storage.Sealing;
using CloudHsm.Fuzz.Harness;
using CloudHsm.Pkcs11.Abi;

namespace CloudHsm.Fuzz.Targets;

/// <summary>
/// What the token reads back from its store, which an attacker with the disk can change
/// (docs/storage-encryption.md): object records (<see cref="ObjectSealer.Open"/>), PIN records
/// (<see cref="PinKeyDerivation.TryUnlock"/>) and the attribute-list codec under both. Any damage must be
/// CKR_DEVICE_ERROR — and a record changed anywhere in its authenticated parts must never open.
/// The first byte picks the mode:
/// <list type="number">
/// <item>a raw object record: uid, isPrivate, plain part and sealed part all from the input, opened with
/// the token key and without;</item>
/// <item>a genuine object record (private key, non-private key with a sealed value, object with nothing
/// secret) with the input's edits applied; one that was changed and still has a sealed part must not open;</item>
/// <item>a genuine PIN record with edits; a changed one must not unlock with the right PIN;</item>
/// <item><see cref="AttributeCodec.Decode"/> of the rest: CKR_ATTRIBUTE_VALUE_INVALID or an exact round trip.</item>
/// </list>
/// </summary>
internal sealed class StorageRecordTarget : FuzzTarget
{
    private const string Serial = "FUZZ0123456789AB";
    private static readonly byte[] Pin = "fuzz-user-pin"u8.ToArray();
    private static readonly byte[] TokenKey = [.. Enumerable.Range(0, 32).Select(i => (byte)(0x40 + i))];
    private static readonly Lazy<ObjectRecord[]> GenuineObjects = new(MakeGenuineObjects);
    private static readonly Lazy<PinRecord> GenuinePin = new(() => PinKeyDerivation.CreatePinRecord(Pin, TokenKey, Serial, 16));

    public override string Name => "storage-record";

    public override string Description => "stored object and PIN records read back (ObjectSealer.Open, PinKeyDerivation.TryUnlock, AttributeCodec)";

    public override bool IsRefusal(Exception e) => e is CkrException { Rv: CKR.CKR_DEVICE_ERROR };

    public override void Run(ReadOnlySpan<byte> input)
    {
        var reader = new FuzzInput(input);
        switch (reader.Byte() % 4)
        {
            case 0:
                RawRecord(ref reader);
                break;
            case 1:
                TamperedRecord(ref reader);
                break;
            case 2:
                TamperedPinRecord(ref reader);
                break;
            default:
                Codec(reader.Rest());
                break;
        }
    }

    private static void RawRecord(ref FuzzInput reader)
    {
        Span<byte> uidBytes = stackalloc byte[StorageScheme.UidSize];
        reader.Bytes(StorageScheme.UidSize).CopyTo(uidBytes);
        var uid = StorageScheme.UidFromBytes(uidBytes);
        bool isPrivate = reader.Bool();
        var record = new ObjectRecord(uid, isPrivate, reader.Prefixed().ToArray(), reader.Prefixed().ToArray());
        OpenBothWays(record);
    }

    /// <summary>Opens without the key (the plain part only) and then with it; the first may refuse alone.</summary>
    private static OpenedObject OpenBothWays(ObjectRecord record)
    {
        try
        {
            ObjectSealer.Open(record, null);
        }
        catch (CkrException e) when (e.Rv == CKR.CKR_DEVICE_ERROR)
        {
            // The same record must be refused with the key too (checked below).
            try
            {
                ObjectSealer.Open(record, TokenKey);
            }
            catch (CkrException again) when (again.Rv == CKR.CKR_DEVICE_ERROR)
            {
                throw;
            }
            throw new FuzzOracleException("a record refused without the token key opened with it");
        }
        return ObjectSealer.Open(record, TokenKey);
    }

    /// <summary>Edits: <c>[record][count] then per edit [op][16-bit position][value]</c>.</summary>
    private static void TamperedRecord(ref FuzzInput reader)
    {
        var genuine = GenuineObjects.Value[reader.Byte() % GenuineObjects.Value.Length];
        byte[] plain = (byte[])genuine.PlainAttributes.Clone();
        byte[] sealedPart = (byte[])genuine.SealedAttributes.Clone();
        byte[] uid = StorageScheme.UidBytes(genuine.Uid);
        bool isPrivate = genuine.IsPrivate;
        int edits = reader.Byte() % 8;
        for (int i = 0; i < edits; i++)
        {
            byte op = reader.Byte();
            int position = reader.UInt16();
            byte value = reader.Byte();
            switch (op % 8)
            {
                case 0: Xor(plain, position, value); break;
                case 1: Xor(sealedPart, position, value); break;
                case 2: plain = plain[..(position % (plain.Length + 1))]; break;
                case 3: sealedPart = sealedPart[..(position % (sealedPart.Length + 1))]; break;
                case 4: isPrivate = !isPrivate; break;
                case 5: Xor(uid, position, value); break;
                case 6: plain = [.. plain, value]; break;
                default: sealedPart = [.. sealedPart, value]; break;
            }
        }
        var record = new ObjectRecord(StorageScheme.UidFromBytes(uid), isPrivate, plain, sealedPart);
        bool changed = !plain.AsSpan().SequenceEqual(genuine.PlainAttributes) || !sealedPart.AsSpan().SequenceEqual(genuine.SealedAttributes)
            || record.Uid != genuine.Uid || isPrivate != genuine.IsPrivate;
        var opened = OpenBothWays(record);
        // A record without a sealed part is not authenticated (by design, §7 of the scheme: nothing secret
        // in it). One stripped of its sealed part opens as such a record; refusing key objects without one
        // is the engine's check (Token.RequireSealedKeyMaterial, §5.3), not the sealer's.
        if (changed && sealedPart.Length > 0)
            throw new FuzzOracleException($"a tampered record of {genuine.Uid} opened with {opened.Attributes.Count} attributes");
    }

    private static void Xor(byte[] bytes, int position, byte value)
    {
        if (bytes.Length > 0) bytes[position % bytes.Length] ^= value;
    }

    /// <summary>Edits: <c>[count] then per edit [op][16-bit position][value]</c>; then the PIN to try.</summary>
    private static void TamperedPinRecord(ref FuzzInput reader)
    {
        var genuine = GenuinePin.Value;
        byte[] salt = (byte[])genuine.Salt.Clone(), verifier = (byte[])genuine.Verifier.Clone(), wrapped = (byte[])genuine.WrappedTokenKey.Clone();
        int iterations = genuine.Iterations;
        string serial = Serial;
        int edits = reader.Byte() % 8;
        for (int i = 0; i < edits; i++)
        {
            byte op = reader.Byte();
            int position = reader.UInt16();
            byte value = reader.Byte();
            switch (op % 7)
            {
                case 0: Xor(salt, position, value); break;
                case 1: Xor(verifier, position, value); break;
                case 2: Xor(wrapped, position, value); break;
                case 3:
                    iterations ^= value << (8 * (position % 4));
                    // A count the record check accepts is kept small: a real 10-million-round PBKDF2 per
                    // input would only slow the fuzzer down.
                    if (iterations is >= StorageScheme.MinIterations and <= StorageScheme.MaxIterations)
                        iterations = 1 + iterations % 64;
                    break;
                case 4: salt = salt[..(position % (salt.Length + 1))]; break;
                case 5: wrapped = [.. wrapped, value]; break;
                default: serial = serial[..(position % serial.Length)] + (char)value; break;
            }
        }
        var record = new PinRecord(salt, iterations, verifier, wrapped);
        bool changed = !salt.AsSpan().SequenceEqual(genuine.Salt) || !verifier.AsSpan().SequenceEqual(genuine.Verifier)
            || !wrapped.AsSpan().SequenceEqual(genuine.WrappedTokenKey) || iterations != genuine.Iterations || serial != Serial;
        var pin = reader.IsEmpty ? Pin : reader.Rest();
        if (PinKeyDerivation.TryUnlock(record, pin, serial, out var key))
        {
            if (changed)
                throw new FuzzOracleException("a tampered PIN record unlocked");
            if (!key.AsSpan().SequenceEqual(TokenKey))
                throw new FuzzOracleException("the PIN record unlocked another token key");
        }
    }

    private static void Codec(ReadOnlySpan<byte> bytes)
    {
        List<KeyValuePair<CKA, byte[]>> attributes;
        try
        {
            attributes = AttributeCodec.Decode(bytes);
        }
        catch (CkrException e) when (e.Rv == CKR.CKR_ATTRIBUTE_VALUE_INVALID)
        {
            return;
        }
        if (!AttributeCodec.Encode(attributes).AsSpan().SequenceEqual(bytes))
            throw new FuzzOracleException("AttributeCodec.Decode then Encode does not give the input back");
    }

    private static ObjectRecord[] MakeGenuineObjects()
    {
        static KeyValuePair<CKA, byte[]> A(CKA type, byte[] value) => new(type, value);
        var privateKey = ObjectSealer.Seal(Guid.NewGuid(), true,
        [
            A(CKA.CKA_CLASS, AttributeValues.FromULong((ulong)CKO.CKO_PRIVATE_KEY)), A(CKA.CKA_PRIVATE, [1]),
            A(CKA.CKA_LABEL, "key"u8.ToArray()), A(CKA.CKA_VALUE, [.. Enumerable.Range(1, 32).Select(i => (byte)i)]),
        ], _ => true, TokenKey);
        var withSecret = ObjectSealer.Seal(Guid.NewGuid(), false,
        [
            A(CKA.CKA_CLASS, AttributeValues.FromULong((ulong)CKO.CKO_SECRET_KEY)), A(CKA.CKA_PRIVATE, [0]),
            A(CKA.CKA_SIGN, [1]), A(CKA.CKA_VALUE, [.. Enumerable.Range(1, 16).Select(i => (byte)i)]),
        ], type => type == CKA.CKA_VALUE, TokenKey);
        var nothingSecret = ObjectSealer.Seal(Guid.NewGuid(), false,
        [
            A(CKA.CKA_CLASS, AttributeValues.FromULong((ulong)CKO.CKO_DATA)), A(CKA.CKA_LABEL, "data"u8.ToArray()),
            A(CKA.CKA_VALUE, [1, 2, 3]),
        ], _ => false, TokenKey);
        return [privateKey, withSecret, nothingSecret];
    }

    public override IEnumerable<(string Name, byte[] Input)> Seeds()
    {
        foreach (var (record, i) in GenuineObjects.Value.Select((r, i) => (r, i)))
        {
            yield return ($"raw-{i}", new SeedWriter().Byte(0).Bytes(StorageScheme.UidBytes(record.Uid)).Bool(record.IsPrivate)
                .Prefixed(record.PlainAttributes).Prefixed(record.SealedAttributes).ToArray());
            yield return ($"tamper-{i}", new SeedWriter().Byte(1).Byte((byte)i).Byte(1).Byte(1).UInt16(20).Byte(0x01).ToArray());
        }
        // The sealed part cut off a non-private key's record: it opens as a record with nothing sealed (§7);
        // the engine, not the sealer, refuses a key loaded from such a record.
        yield return ("tamper-strip-sealed", new SeedWriter().Byte(1).Byte(1).Byte(1).Byte(3).UInt16(0).Byte(0).ToArray());
        yield return ("pin-unchanged", new SeedWriter().Byte(2).Byte(0).ToArray());
        yield return ("pin-tamper", new SeedWriter().Byte(2).Byte(1).Byte(2).UInt16(5).Byte(0x80).ToArray());
        yield return ("codec", new SeedWriter().Byte(3).Bytes(AttributeCodec.Encode(
            [new(CKA.CKA_LABEL, "x"u8.ToArray()), new(CKA.CKA_VALUE, [1, 2])])).ToArray());
    }
}
