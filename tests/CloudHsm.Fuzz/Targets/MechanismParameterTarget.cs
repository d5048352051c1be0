using CloudHsm.Core.Attributes;
using CloudHsm.Core.Backend;
using CloudHsm.Core.Errors;
using CloudHsm.Fuzz.Harness;
using CloudHsm.Pkcs11.Abi;
using CloudHsm.Pkcs11.Native.Marshalling;

namespace CloudHsm.Fuzz.Targets;

/// <summary>
/// CK_MECHANISM.pParameter as a caller hands it to C_*Init, C_WrapKey, C_DeriveKey …: the boundary's
/// parsers (native-exports/…/Marshalling/Parameters) read the structure, follow its pointers and copy
/// what they point to; then the mechanism checks the values when it is used with a fitting key.
/// Input: <c>[mechanism selector]</c>, the structure's fields (see <see cref="NativeFuzz"/> for pointers and
/// lengths), then <c>[size mode]</c>: 0xF0 and up hands the parser a size off by a signed byte.
/// A parser may only answer CKR_MECHANISM_PARAM_INVALID — or, for the templates inside
/// CK_SP800_108_KDF_PARAMS, TemplateReader's codes.
/// </summary>
internal sealed unsafe class MechanismParameterTarget : FuzzTarget
{
    private delegate byte* Builder(ref FuzzInput input, NativeArena arena, out int size);

    /// <param name="Use">What is done with the parsed parameter: (the HSM, the mechanism, C_DeriveKey's output pointers).</param>
    private sealed record Entry(CKM Mechanism, Builder Build, Action<Hsm, Mechanism, DerivedKeyOutputs> Use);

    /// <summary>Room behind every structure, so that a size larger than the structure is still readable memory.</summary>
    private const int Slack = 64;

    private static readonly CKR[] ParserCodes =
        [CKR.CKR_MECHANISM_PARAM_INVALID, CKR.CKR_ATTRIBUTE_TYPE_INVALID, CKR.CKR_ATTRIBUTE_VALUE_INVALID, CKR.CKR_ARGUMENTS_BAD];

    private static readonly Entry[] Entries = BuildEntries();

    public override string Name => "mech-params";

    public override string Description => "mechanism-parameter parsers (CK_*_PARAMS with pointers) and the mechanisms' checks of the values";

    public override void Run(ReadOnlySpan<byte> input)
    {
        var hsm = Hsm.Shared;
        using var arena = new NativeArena();
        var reader = new FuzzInput(input);
        var entry = Entries[reader.Byte() % Entries.Length];
        var type = entry.Mechanism;
        if (type == CKM.CKM_VENDOR_DEFINED) // the "any other mechanism" entry: its type is the input's
            type = (CKM)(reader.UInt16() | ((uint)reader.UInt16() << 16));
        byte* structure = entry.Build(ref reader, arena, out int size);
        if (reader.Byte() >= 0xF0)
            size = Math.Clamp(size + (sbyte)reader.Byte(), 0, size + Slack);
        var outputs = new DerivedKeyOutputs();
        MechanismParameter? parameter;
        try
        {
            // As MechanismReader: an empty parameter is no parameter.
            parameter = size == 0 ? null : MechanismParameters.Parse(type, new ReadOnlySpan<byte>(structure, size), outputs);
        }
        catch (CkrException e) when (Array.IndexOf(ParserCodes, e.Rv) >= 0)
        {
            return;
        }
        catch (CkrException e)
        {
            throw new FuzzOracleException($"the {type} parameter parser answered {e.Rv}: {e.Message}");
        }
        try
        {
            entry.Use(hsm, new Mechanism(type, parameter), outputs);
        }
        finally
        {
            hsm.Reset();
        }
    }

    /// <summary>As C_DeriveKey: the additional keys' handles go to the parameter's phKey pointers, or the
    /// offending one is marked.</summary>
    private static void Derive(Hsm hsm, Mechanism mechanism, ulong baseKey, DerivedKeyOutputs outputs)
    {
        try
        {
            var derived = hsm.Backend.DeriveKey(hsm.Session, mechanism, baseKey, KeyExercise.DerivedSecret);
            hsm.Track(derived.Key);
            foreach (ulong key in derived.AdditionalKeys) hsm.Track(key);
            outputs.Write(derived.AdditionalKeys);
        }
        catch (Exception e)
        {
            outputs.MarkFailed(e);
            throw;
        }
    }

    private static Entry[] BuildEntries()
    {
        var entries = new List<Entry>();
        foreach (var pss in new[] { CKM.CKM_RSA_PKCS_PSS, CKM.CKM_SHA256_RSA_PKCS_PSS, CKM.CKM_SHA1_RSA_PKCS_PSS, CKM.CKM_SHA512_RSA_PKCS_PSS })
            entries.Add(new(pss, Pss, (hsm, m, _) => KeyExercise.SignVerify(hsm, m, hsm.Rsa.Private, hsm.Rsa.Public)));
        entries.Add(new(CKM.CKM_RSA_PKCS_OAEP, Oaep, (hsm, m, _) => KeyExercise.EncryptDecrypt(hsm, m, hsm.Rsa.Public, hsm.Rsa.Private, KeyExercise.Data[..16])));
        entries.Add(new(CKM.CKM_RSA_AES_KEY_WRAP, RsaAesKeyWrap, (hsm, m, _) => WrapUnwrap(hsm, m, hsm.Rsa.Public, hsm.Rsa.Private)));
        entries.Add(new(CKM.CKM_ECDH1_DERIVE, Ecdh1, (hsm, m, outputs) => Derive(hsm, m, hsm.Ec.Private, outputs)));
        entries.Add(new(CKM.CKM_ECDH1_DERIVE, Ecdh1, (hsm, m, outputs) => Derive(hsm, m, hsm.X25519.Private, outputs)));
        entries.Add(new(CKM.CKM_EDDSA, Eddsa, (hsm, m, _) => KeyExercise.SignVerify(hsm, m, hsm.Ed25519.Private, hsm.Ed25519.Public)));
        entries.Add(new(CKM.CKM_AES_CTR, Ctr, AesCipher));
        entries.Add(new(CKM.CKM_AES_GCM, Gcm, AesCipher));
        entries.Add(new(CKM.CKM_CLOUDHSM_AES_GCM, Gcm, AesCipher));
        foreach (var mac in new[] { CKM.CKM_SHA256_HMAC_GENERAL, CKM.CKM_SHA_1_HMAC_GENERAL, CKM.CKM_SHA512_HMAC_GENERAL })
            entries.Add(new(mac, MacGeneral, (hsm, m, _) => KeyExercise.SignVerify(hsm, m, hsm.SecretKey, hsm.SecretKey)));
        entries.Add(new(CKM.CKM_AES_CMAC_GENERAL, MacGeneral, (hsm, m, _) => KeyExercise.SignVerify(hsm, m, hsm.AesKey, hsm.AesKey)));
        entries.Add(new(CKM.CKM_SP800_108_COUNTER_KDF, Sp800108, (hsm, m, outputs) => Derive(hsm, m, hsm.SecretKey, outputs)));
        entries.Add(new(CKM.CKM_HKDF_DERIVE, Hkdf, (hsm, m, outputs) => Derive(hsm, m, hsm.SecretKey, outputs)));
        // Parameters that are plain byte arrays (IVs) reach the mechanisms as the caller's bytes.
        foreach (var cipher in new[] { CKM.CKM_AES_CBC, CKM.CKM_AES_CBC_PAD, CKM.CKM_AES_ECB })
            entries.Add(new(cipher, Bytes, AesCipher));
        foreach (var wrap in new[] { CKM.CKM_AES_KEY_WRAP, CKM.CKM_AES_KEY_WRAP_KWP, CKM.CKM_AES_KEY_WRAP_PAD })
            entries.Add(new(wrap, Bytes, (hsm, m, _) => WrapUnwrap(hsm, m, hsm.AesKey, hsm.AesKey)));
        entries.Add(new(CKM.CKM_SHA256_HMAC, Bytes, (hsm, m, _) => KeyExercise.SignVerify(hsm, m, hsm.SecretKey, hsm.SecretKey)));
        entries.Add(new(CKM.CKM_VENDOR_DEFINED, Bytes, (hsm, m, _) =>
        {
            Hsm.Try(() => KeyExercise.EncryptDecrypt(hsm, m, hsm.AesKey, hsm.AesKey, KeyExercise.Data));
            Hsm.Try(() => KeyExercise.SignVerify(hsm, m, hsm.SecretKey, hsm.SecretKey));
        }));
        return [.. entries];
    }

    private static void AesCipher(Hsm hsm, Mechanism mechanism, DerivedKeyOutputs outputs) =>
        KeyExercise.EncryptDecrypt(hsm, mechanism, hsm.AesKey, hsm.AesKey, KeyExercise.Data);

    /// <summary>Wraps the token's generic secret and unwraps it again.</summary>
    private static void WrapUnwrap(Hsm hsm, Mechanism mechanism, ulong wrappingKey, ulong unwrappingKey)
    {
        var backend = hsm.Backend;
        var wrapped = new byte[backend.WrapKey(hsm.Session, mechanism, wrappingKey, hsm.SecretKey, default, sizeQuery: true)];
        int length = backend.WrapKey(hsm.Session, mechanism, wrappingKey, hsm.SecretKey, wrapped, sizeQuery: false);
        hsm.Track(backend.UnwrapKey(hsm.Session, mechanism, unwrappingKey, wrapped.AsSpan(0, length), new Template(
        [
            TemplateAttribute.ULong(CKA.CKA_CLASS, (ulong)CKO.CKO_SECRET_KEY),
            TemplateAttribute.ULong(CKA.CKA_KEY_TYPE, (ulong)CKK.CKK_GENERIC_SECRET),
        ])));
    }

    // --- structure builders: each allocates its structure (plus slack) and fills it from the input ---

    private static T* New<T>(NativeArena arena, out int size) where T : unmanaged
    {
        size = sizeof(T);
        return arena.Alloc<T>(1, Slack);
    }

    private static byte* Pss(ref FuzzInput input, NativeArena arena, out int size)
    {
        var p = New<CK_RSA_PKCS_PSS_PARAMS>(arena, out size);
        p->hashAlg = NativeFuzz.ULong(ref input);
        p->mgf = NativeFuzz.ULong(ref input);
        p->sLen = NativeFuzz.ULong(ref input);
        return (byte*)p;
    }

    private static byte* Oaep(ref FuzzInput input, NativeArena arena, out int size)
    {
        var p = New<CK_RSA_PKCS_OAEP_PARAMS>(arena, out size);
        FillOaep(ref input, arena, p);
        return (byte*)p;
    }

    private static void FillOaep(ref FuzzInput input, NativeArena arena, CK_RSA_PKCS_OAEP_PARAMS* p)
    {
        p->hashAlg = NativeFuzz.ULong(ref input);
        p->mgf = NativeFuzz.ULong(ref input);
        p->source = NativeFuzz.ULong(ref input);
        NativeFuzz.Buffer(ref input, arena, out var data, out p->ulSourceDataLen);
        p->pSourceData = data;
    }

    private static byte* RsaAesKeyWrap(ref FuzzInput input, NativeArena arena, out int size)
    {
        var p = New<CK_RSA_AES_KEY_WRAP_PARAMS>(arena, out size);
        p->ulAESKeyBits = NativeFuzz.ULong(ref input);
        if (input.Byte() % 8 != 0)
        {
            p->pOAEPParams = arena.Alloc<CK_RSA_PKCS_OAEP_PARAMS>();
            FillOaep(ref input, arena, p->pOAEPParams);
        }
        return (byte*)p;
    }

    private static byte* Ecdh1(ref FuzzInput input, NativeArena arena, out int size)
    {
        var p = New<CK_ECDH1_DERIVE_PARAMS>(arena, out size);
        p->kdf = NativeFuzz.ULong(ref input);
        NativeFuzz.Buffer(ref input, arena, out p->pSharedData, out p->ulSharedDataLen);
        NativeFuzz.Buffer(ref input, arena, out p->pPublicData, out p->ulPublicDataLen);
        return (byte*)p;
    }

    private static byte* Eddsa(ref FuzzInput input, NativeArena arena, out int size)
    {
        var p = New<CK_EDDSA_PARAMS>(arena, out size);
        p->phFlag = input.Byte();
        NativeFuzz.Buffer(ref input, arena, out p->pContextData, out p->ulContextDataLen);
        return (byte*)p;
    }

    private static byte* Ctr(ref FuzzInput input, NativeArena arena, out int size)
    {
        var p = New<CK_AES_CTR_PARAMS>(arena, out size);
        p->ulCounterBits = NativeFuzz.ULong(ref input);
        input.Bytes(16).CopyTo(new Span<byte>(p->cb, 16));
        return (byte*)p;
    }

    /// <summary>Either layout: the 3.0 CK_GCM_PARAMS (with ulIvBits) or 2.40's, by a bit of the input.</summary>
    private static byte* Gcm(ref FuzzInput input, NativeArena arena, out int size)
    {
        if (input.Bool())
        {
            var p = New<CK_GCM_PARAMS>(arena, out size);
            NativeFuzz.Buffer(ref input, arena, out p->pIv, out p->ulIvLen);
            p->ulIvBits = NativeFuzz.ULong(ref input);
            NativeFuzz.Buffer(ref input, arena, out p->pAAD, out p->ulAADLen);
            p->ulTagBits = NativeFuzz.ULong(ref input);
            return (byte*)p;
        }
        var v240 = New<CK_GCM_PARAMS_V240>(arena, out size);
        NativeFuzz.Buffer(ref input, arena, out v240->pIv, out v240->ulIvLen);
        NativeFuzz.Buffer(ref input, arena, out v240->pAAD, out v240->ulAADLen);
        v240->ulTagBits = NativeFuzz.ULong(ref input);
        return (byte*)v240;
    }

    private static byte* MacGeneral(ref FuzzInput input, NativeArena arena, out int size)
    {
        var p = New<CK_ULONG>(arena, out size);
        *p = NativeFuzz.ULong(ref input);
        return (byte*)p;
    }

    /// <summary>
    /// CK_SP800_108_KDF_PARAMS: up to 7 CK_PRF_DATA_PARAMs (each pValue a buffer, which the parser may only
    /// dereference when ulValueLen is its structure's size) and up to 3 CK_DERIVED_KEYs (templates as
    /// <see cref="NativeFuzz.Attributes"/>, phKey a real handle or NULL). A count may also be far beyond
    /// the array behind it (the parser's bound must stop it first) or come with a NULL array.
    /// </summary>
    private static byte* Sp800108(ref FuzzInput input, NativeArena arena, out int size)
    {
        var p = New<CK_SP800_108_KDF_PARAMS>(arena, out size);
        p->prfType = NativeFuzz.ULong(ref input);
        int data = input.Byte() % 8;
        p->pDataParams = arena.Alloc<CK_PRF_DATA_PARAM>(data);
        for (int i = 0; i < data; i++)
        {
            var d = &p->pDataParams[i];
            d->type = NativeFuzz.ULong(ref input);
            NativeFuzz.Buffer(ref input, arena, out var value, out d->ulValueLen);
            d->pValue = value;
        }
        p->ulNumberOfDataParams = (CK_ULONG)data;
        switch (input.Byte() % 16)
        {
            case 0: p->pDataParams = null; break;
            case 1: p->ulNumberOfDataParams = (CK_ULONG)(65 + input.UInt16()); break; // beyond the parser's bound
        }
        int keys = input.Byte() % 4;
        p->pAdditionalDerivedKeys = keys == 0 ? null : arena.Alloc<CK_DERIVED_KEY>(keys);
        for (int i = 0; i < keys; i++)
        {
            var k = &p->pAdditionalDerivedKeys[i];
            k->pTemplate = NativeFuzz.Attributes(ref input, arena, 0, out k->ulAttributeCount);
            k->phKey = input.Byte() == 0xFF ? null : arena.Alloc<CK_OBJECT_HANDLE>();
        }
        p->ulAdditionalDerivedKeys = (CK_ULONG)keys;
        switch (input.Byte() % 16)
        {
            case 0: p->pAdditionalDerivedKeys = null; break;
            case 1: p->ulAdditionalDerivedKeys = (CK_ULONG)(65 + input.UInt16()); break;
        }
        return (byte*)p;
    }

    private static byte* Hkdf(ref FuzzInput input, NativeArena arena, out int size)
    {
        var p = New<CK_HKDF_PARAMS>(arena, out size);
        p->bExtract = input.Byte();
        p->bExpand = input.Byte();
        p->prfHashMechanism = NativeFuzz.ULong(ref input);
        p->ulSaltType = NativeFuzz.ULong(ref input);
        NativeFuzz.Buffer(ref input, arena, out p->pSalt, out p->ulSaltLen);
        var hsm = Hsm.Shared;
        p->hSaltKey = (input.Byte() % 4) switch
        {
            0 => 0,
            1 => (CK_OBJECT_HANDLE)hsm.SecretKey,
            2 => (CK_OBJECT_HANDLE)hsm.AesKey,
            _ => NativeFuzz.ULong(ref input),
        };
        NativeFuzz.Buffer(ref input, arena, out p->pInfo, out p->ulInfoLen);
        return (byte*)p;
    }

    /// <summary>A plain byte-array parameter (an IV): the input's bytes.</summary>
    private static byte* Bytes(ref FuzzInput input, NativeArena arena, out int size)
    {
        var bytes = input.Prefixed();
        size = bytes.Length;
        byte* p = arena.Alloc(bytes.Length + Slack);
        bytes.CopyTo(new Span<byte>(p, bytes.Length));
        return p;
    }

    // --- seeds ---

    public override IEnumerable<(string Name, byte[] Input)> Seeds()
    {
        static byte Index(CKM m) => (byte)Array.FindIndex(Entries, e => e.Mechanism == m);
        static byte Type(CKA type) => (byte)Array.IndexOf(NativeFuzz.KnownTypes, type);
        static SeedWriter U(SeedWriter w, ulong v) => v < 0x80 ? w.Byte((byte)v) : v <= 0xFFFF ? w.Byte(0x80).UInt16((int)v) : w.Byte(0xFF).UInt64(v);
        static SeedWriter Buf(SeedWriter w, byte[] bytes) => w.Byte(5).Prefixed(bytes);
        const byte Exact = 0;

        yield return ("pss", U(U(U(new SeedWriter().Byte(Index(CKM.CKM_SHA256_RSA_PKCS_PSS)), (ulong)CKM.CKM_SHA256), 2), 32).Byte(Exact).ToArray());
        yield return ("oaep", Buf(U(U(U(new SeedWriter().Byte(Index(CKM.CKM_RSA_PKCS_OAEP)), (ulong)CKM.CKM_SHA256), 2), 1), "label"u8.ToArray()).Byte(Exact).ToArray());
        yield return ("rsa-aes-key-wrap", Buf(U(U(U(U(new SeedWriter().Byte(Index(CKM.CKM_RSA_AES_KEY_WRAP)), 256).Byte(1), (ulong)CKM.CKM_SHA_1), 1), 1), []).Byte(Exact).ToArray());
        yield return ("ecdh1", Buf(Buf(U(new SeedWriter().Byte(Index(CKM.CKM_ECDH1_DERIVE)), 1), []), Hsm.Shared.EcPoint).Byte(Exact).ToArray());
        yield return ("ecdh1-sha256-kdf", Buf(Buf(U(new SeedWriter().Byte(Index(CKM.CKM_ECDH1_DERIVE)), 6), "info"u8.ToArray()), Hsm.Shared.EcPoint).Byte(Exact).ToArray());
        yield return ("ecdh1-x25519", Buf(Buf(U(new SeedWriter().Byte((byte)(Index(CKM.CKM_ECDH1_DERIVE) + 1)), 1), []), [9, .. new byte[31]]).Byte(Exact).ToArray());
        yield return ("eddsa", Buf(new SeedWriter().Byte(Index(CKM.CKM_EDDSA)).Byte(0), "ctx"u8.ToArray()).Byte(Exact).ToArray());
        yield return ("ctr", U(new SeedWriter().Byte(Index(CKM.CKM_AES_CTR)), 32).Bytes(new byte[16]).Byte(Exact).ToArray());
        yield return ("gcm", U(Buf(U(Buf(new SeedWriter().Byte(Index(CKM.CKM_AES_GCM)).Byte(1), new byte[12]), 96), "aad"u8.ToArray()), 128).Byte(Exact).ToArray());
        yield return ("gcm-v240", U(Buf(Buf(new SeedWriter().Byte(Index(CKM.CKM_AES_GCM)).Byte(0), new byte[12]), []), 96).Byte(Exact).ToArray());
        yield return ("hmac-general", U(new SeedWriter().Byte(Index(CKM.CKM_SHA256_HMAC_GENERAL)), 16).Byte(Exact).ToArray());
        yield return ("cmac-general", U(new SeedWriter().Byte(Index(CKM.CKM_AES_CMAC_GENERAL)), 8).Byte(Exact).ToArray());

        // SP 800-108: HMAC-SHA256 PRF, a 32-bit big-endian counter and a label; one additional key.
        var sp = U(new SeedWriter().Byte(Index(CKM.CKM_SP800_108_COUNTER_KDF)), (ulong)CKM.CKM_SHA256_HMAC).Byte(2);
        U(sp, 1); Buf(sp, [0, 0, 0, 0, 0, 0, 0, 0, .. BitConverter.GetBytes(32UL)]); // CK_SP800_108_COUNTER_FORMAT { bLittleEndian, ulWidthInBits }
        U(sp, 4); Buf(sp, "label"u8.ToArray());                         // CK_SP800_108_BYTE_ARRAY
        sp.Byte(2).Byte(1);                                             // arrays as built; one additional key
        sp.Byte(2).Byte(Type(CKA.CKA_KEY_TYPE)).Byte(5).Prefixed(BitConverter.GetBytes((ulong)CKK.CKK_GENERIC_SECRET)) // template:
            .Byte(Type(CKA.CKA_VALUE_LEN)).Byte(5).Prefixed(BitConverter.GetBytes(16UL)).Byte(0);                       // key type, length
        sp.Byte(0).Byte(2);                                             // phKey; arrays as built
        yield return ("sp800-108", sp.Byte(Exact).ToArray());

        var hkdf = U(U(new SeedWriter().Byte(Index(CKM.CKM_HKDF_DERIVE)).Byte(1).Byte(1), (ulong)CKM.CKM_SHA256), 2);
        yield return ("hkdf", Buf(Buf(hkdf, "salt"u8.ToArray()).Byte(0), "info"u8.ToArray()).Byte(Exact).ToArray());
        yield return ("cbc-iv", new SeedWriter().Byte(Index(CKM.CKM_AES_CBC_PAD)).Prefixed(new byte[16]).Byte(Exact).ToArray());
        yield return ("kwp", new SeedWriter().Byte(Index(CKM.CKM_AES_KEY_WRAP_KWP)).Prefixed([]).Byte(Exact).ToArray());
        yield return ("other", new SeedWriter().Byte(Index(CKM.CKM_VENDOR_DEFINED)).UInt16((int)CKM.CKM_AES_OFB).UInt16(0).Prefixed(new byte[16]).Byte(Exact).ToArray());
    }
}
