using System.Diagnostics;
using CloudHsm.Pkcs11.Abi;
using static CloudHsm.Speed.Pkcs11Module;

namespace CloudHsm.Speed;

/// <summary>A key the operations share (generated once on the setup session, as p11bench does).</summary>
internal sealed class KeySlot
{
    public bool Needed, Done;
    public OpStatus Status;
    public CK_OBJECT_HANDLE Pub, Priv;   // secret keys use Priv
    public string Message = "";
}

/// <summary>A sign/verify variant: mechanism, key, input and the signature made by the check.</summary>
internal sealed unsafe class SigVar
{
    public CKM Mech;
    public KeyKind Key;
    public int DataLength;
    public int ExpectLength;
    public bool Done;
    public OpStatus Status;
    public string Message = "";
    public byte* Sig;          // 1024 bytes
    public CK_ULONG SigLength;
    public CK_ULONG Cap;       // output size reported by the size query
}

/// <summary>Run-wide state: the slot, the sessions, the keys, the correctness checks (run once on
/// the setup session before timing, with p11bench's rules) and the token objects of find-objects.</summary>
internal sealed unsafe partial class Bench
{
    public const int SigCapacity = 1024;

    public SpeedOptions Options { get; }
    public CK_SLOT_ID Slot;
    public CK_SESSION_HANDLE Setup;
    public CK_SESSION_HANDLE[] Sessions = [];
    public HashSet<ulong> Mechanisms = new();
    public readonly KeySlot[] Keys = [new(), new(), new(), new(), new()];
    public readonly SigVar[] SigVars = new SigVar[6];
    public byte* Msg32, Data64;
    public CK_RSA_PKCS_PSS_PARAMS* Pss;
    public CK_ULONG GcmCap, DigestCap;
    public CK_OBJECT_HANDLE[] Objects = [];
    public int ObjectCount;
    public OpStatus ObjectsStatus = OpStatus.Skipped;
    public string ObjectsMessage = "token objects not created";
    public uint RunId;
    /// <summary>The token label as C_GetTokenInfo pads it (32 bytes), for initialize-find.</summary>
    public byte[] PaddedTokenLabel = new byte[32];

    private static readonly string[] KeyDescriptions = ["RSA-2048", "EC P-256", "Ed25519", "AES-256", "generic secret (HMAC)"];

    public Bench(SpeedOptions options)
    {
        Options = options;
        Msg32 = NativeArena.Alloc(32);
        Data64 = NativeArena.Alloc(64);
        NativeArena.FillPattern(Msg32, 32, 11);
        NativeArena.FillPattern(Data64, 64, 12);
        Pss = NativeArena.Value(new CK_RSA_PKCS_PSS_PARAMS
        {
            hashAlg = (CK_MECHANISM_TYPE)(uint)CKM.CKM_SHA256,
            mgf = (CK_ULONG)(uint)CKG.CKG_MGF1_SHA256,
            sLen = 32,
        });
        (SigVariant v, CKM m, KeyKind k, int dl, int el)[] defs =
        [
            (SigVariant.RsaPkcs, CKM.CKM_SHA256_RSA_PKCS, KeyKind.Rsa, 32, 256),
            (SigVariant.RsaPss, CKM.CKM_SHA256_RSA_PKCS_PSS, KeyKind.Rsa, 32, 256),
            (SigVariant.EcdsaSha256, CKM.CKM_ECDSA_SHA256, KeyKind.Ec, 32, 64),
            (SigVariant.EcdsaRaw, CKM.CKM_ECDSA, KeyKind.Ec, 32, 64),
            (SigVariant.EdDsa, CKM.CKM_EDDSA, KeyKind.Ed, 32, 64),
            (SigVariant.Hmac, CKM.CKM_SHA256_HMAC, KeyKind.Hmac, 64, 32),
        ];
        foreach (var d in defs)
            SigVars[(int)d.v] = new SigVar { Mech = d.m, Key = d.k, DataLength = d.dl, ExpectLength = d.el, Sig = NativeArena.Alloc(SigCapacity) };
    }

    public static void Progress(string text)
    {
        if (!Program.Quiet)
            Console.Error.Write(text);
    }

    public bool Listed(CKM m) => Mechanisms.Contains((uint)m);

    public static double MsSince(long t0) => Stopwatch.GetElapsedTime(t0).TotalMilliseconds;

    // ------------------------------------------------------------------ keys

    private static CKM KeyGenMechanism(KeyKind k) => k switch
    {
        KeyKind.Rsa => CKM.CKM_RSA_PKCS_KEY_PAIR_GEN,
        KeyKind.Ec => CKM.CKM_EC_KEY_PAIR_GEN,
        KeyKind.Ed => CKM.CKM_EC_EDWARDS_KEY_PAIR_GEN,
        KeyKind.Aes => CKM.CKM_AES_KEY_GEN,
        _ => CKM.CKM_GENERIC_SECRET_KEY_GEN,
    };

    public void MakeKey(KeyKind k)
    {
        KeySlot ks = Keys[(int)k];
        CKM gm = KeyGenMechanism(k);
        long t0 = Stopwatch.GetTimestamp();
        ks.Done = true;
        // Ed25519 is only attempted when the module lists the mechanism.
        if ((!Options.IgnoreMechList || k == KeyKind.Ed) && !Listed(gm))
        {
            ks.Status = OpStatus.Unsupported;
            ks.Message = $"{KeyDescriptions[(int)k]} key: {MechName(gm)} not in mechanism list";
            return;
        }
        CK_OBJECT_HANDLE pub = 0, priv = 0;
        CK_RV rv = k switch
        {
            KeyKind.Rsa => Templates.GenerateRsa(Setup, &pub, &priv),
            KeyKind.Ec => Templates.GenerateEc(Setup, &pub, &priv),
            KeyKind.Ed => Templates.GenerateEd25519(Setup, &pub, &priv),
            KeyKind.Aes => Templates.GenerateSecret(Setup, true, &priv),
            _ => Templates.GenerateSecret(Setup, false, &priv),
        };
        if (rv != CKR_OK)
        {
            ks.Status = StatusOf(rv);
            ks.Message = $"{KeyDescriptions[(int)k]} key generation ({MechName(gm)}) failed: {RvName(rv)}";
            ks.Pub = ks.Priv = 0;
            return;
        }
        ks.Pub = pub;
        ks.Priv = priv;
        ks.Status = OpStatus.Ok;
        Progress($"  generated {KeyDescriptions[(int)k]} session key ({MsSince(t0):F1} ms)\n");
    }

    private OpStatus KeyReady(KeyKind k, out string message)
    {
        KeySlot ks = Keys[(int)k];
        if (!ks.Done)
            MakeKey(k);
        message = ks.Message;
        return ks.Status;
    }

    public void DestroyKeys()
    {
        foreach (KeySlot ks in Keys)
        {
            if (ks.Status != OpStatus.Ok || !ks.Done)
                continue;
            F->C_DestroyObject(Setup, ks.Priv);
            if (ks.Pub != 0)
                F->C_DestroyObject(Setup, ks.Pub);
        }
    }

    // ------------------------------------------------------------------ correctness checks

    public OpStatus Prepare(OpDef op, out string message)
    {
        foreach (CKM m in op.Required)
        {
            if (!Options.IgnoreMechList && !Listed(m))
            {
                message = $"{MechName(m)} not in mechanism list";
                return OpStatus.Unsupported;
            }
        }
        return op.Kind switch
        {
            OpKind.Sign or OpKind.Verify => PrepareSigVar(op.Variant, out message),
            OpKind.Gcm => PrepareGcm(out message),
            OpKind.Cbc => PrepareCbc(out message),
            OpKind.Digest => PrepareDigest(out message),
            OpKind.KeygenRsa => PrepareKeygen(rsa: true, out message),
            OpKind.KeygenEc => PrepareKeygen(rsa: false, out message),
            OpKind.Find => PrepareFind(out message),
            OpKind.OpenClose => PrepareOpenClose(out message),
            _ => Fail(out message, "not a timed operation"),
        };
    }

    private static OpStatus Fail(out string message, string text)
    {
        message = text;
        return OpStatus.Failed;
    }

    /// <summary>The mechanism of a sign/verify variant, in caller memory (PSS carries its parameters).</summary>
    public CK_MECHANISM MechanismOf(SigVariant v) => new()
    {
        mechanism = (CK_MECHANISM_TYPE)(uint)SigVars[(int)v].Mech,
        pParameter = v == SigVariant.RsaPss ? Pss : null,
        ulParameterLen = v == SigVariant.RsaPss ? (CK_ULONG)sizeof(CK_RSA_PKCS_PSS_PARAMS) : 0,
    };

    public byte* DataOf(SigVariant v) => v == SigVariant.Hmac ? Data64 : Msg32;

    /// <summary>Sign once (two-call convention), verify, check that a modified message is rejected;
    /// keeps the signature for the verify operations.</summary>
    private OpStatus PrepareSigVar(SigVariant v, out string message)
    {
        SigVar sv = SigVars[(int)v];
        if (sv.Done)
        {
            message = sv.Message;
            return sv.Status;
        }
        sv.Done = true;
        sv.Status = KeyReady(sv.Key, out sv.Message);
        if (sv.Status == OpStatus.Ok)
            (sv.Status, sv.Message) = CheckSigVar(v, sv);
        message = sv.Message;
        return sv.Status;
    }

    private (OpStatus, string) CheckSigVar(SigVariant v, SigVar sv)
    {
        KeySlot ks = Keys[(int)sv.Key];
        CK_OBJECT_HANDLE skey = ks.Priv, vkey = sv.Key == KeyKind.Hmac ? ks.Priv : ks.Pub;
        CK_MECHANISM m = MechanismOf(v);
        byte* data = DataOf(v);
        string mn = MechName(sv.Mech);
        CK_ULONG len = 0;
        CK_RV rv;
        (OpStatus, string) FailRv(string fn) => (StatusOf(rv), $"{fn}({mn}) returned {RvName(rv)}");

        if ((rv = F->C_SignInit(Setup, &m, skey)) != CKR_OK)
            return FailRv("C_SignInit");
        if ((rv = F->C_Sign(Setup, data, (CK_ULONG)sv.DataLength, null, &len)) != CKR_OK)
            return FailRv("C_Sign (size query)");
        if (len < (CK_ULONG)sv.ExpectLength || len > SigCapacity)
            return (OpStatus.Failed, $"C_Sign size query returned {len} bytes for {mn} (expected {sv.ExpectLength})");
        sv.Cap = len;
        if ((rv = F->C_Sign(Setup, data, (CK_ULONG)sv.DataLength, sv.Sig, &len)) != CKR_OK)
            return FailRv("C_Sign");
        if (len != (CK_ULONG)sv.ExpectLength)
            return (OpStatus.Failed, $"{mn} signature is {len} bytes, expected {sv.ExpectLength}");
        sv.SigLength = len;

        if ((rv = F->C_VerifyInit(Setup, &m, vkey)) != CKR_OK)
            return FailRv("C_VerifyInit");
        if ((rv = F->C_Verify(Setup, data, (CK_ULONG)sv.DataLength, sv.Sig, sv.SigLength)) != CKR_OK)
            return (OpStatus.Failed, $"{mn}: C_Verify of a fresh signature returned {RvName(rv)}");

        byte* bad = stackalloc byte[64];
        new ReadOnlySpan<byte>(data, sv.DataLength).CopyTo(new Span<byte>(bad, 64));
        bad[0] ^= 0x01;
        if ((rv = F->C_VerifyInit(Setup, &m, vkey)) != CKR_OK)
            return FailRv("C_VerifyInit");
        rv = F->C_Verify(Setup, bad, (CK_ULONG)sv.DataLength, sv.Sig, sv.SigLength);
        if (rv == CKR_OK)
            return (OpStatus.Failed, $"{mn}: C_Verify accepted a signature over a modified message");
        return (OpStatus.Ok, "sign/verify/tamper check ok");
    }

    private OpStatus PrepareGcm(out string message)
    {
        OpStatus st = KeyReady(KeyKind.Aes, out message);
        if (st != OpStatus.Ok)
            return st;
        const int In = Operations.GcmIn, Tag = Operations.GcmTag, Room = In + 256;
        byte* input = stackalloc byte[In];
        byte* ct = stackalloc byte[Room];
        byte* pt = stackalloc byte[Room];
        byte* iv = stackalloc byte[12];
        NativeArena.FillPattern(input, In, 77);
        new Span<byte>(iv, 12).Fill(0xA5);
        CK_GCM_PARAMS gp = new() { pIv = iv, ulIvLen = 12, ulIvBits = 96, ulTagBits = Tag * 8 };
        CK_MECHANISM m = new() { mechanism = (CK_MECHANISM_TYPE)(uint)CKM.CKM_AES_GCM, pParameter = &gp, ulParameterLen = (CK_ULONG)sizeof(CK_GCM_PARAMS) };
        CK_OBJECT_HANDLE key = Keys[(int)KeyKind.Aes].Priv;
        CK_ULONG ctLen = 0, ptLen = 0;
        CK_RV rv;

        if ((rv = F->C_EncryptInit(Setup, &m, key)) != CKR_OK)
        {
            message = $"C_EncryptInit(CKM_AES_GCM) returned {RvName(rv)}";
            return StatusOf(rv);
        }
        if ((rv = F->C_Encrypt(Setup, input, In, null, &ctLen)) != CKR_OK)
        {
            message = $"C_Encrypt(CKM_AES_GCM) size query returned {RvName(rv)}";
            return StatusOf(rv);
        }
        if (ctLen < In + Tag || ctLen > Room)
            return Fail(out message, $"C_Encrypt(CKM_AES_GCM) size query returned {ctLen}, expected >= {In + Tag}");
        GcmCap = ctLen;
        if ((rv = F->C_Encrypt(Setup, input, In, ct, &ctLen)) != CKR_OK)
        {
            message = $"C_Encrypt(CKM_AES_GCM) returned {RvName(rv)}";
            return StatusOf(rv);
        }
        if (ctLen != In + Tag)
            return Fail(out message, $"AES-GCM ciphertext+tag is {ctLen} bytes, expected {In + Tag}");
        if ((rv = F->C_DecryptInit(Setup, &m, key)) != CKR_OK)
        {
            message = $"C_DecryptInit(CKM_AES_GCM) returned {RvName(rv)}";
            return StatusOf(rv);
        }
        if ((rv = F->C_Decrypt(Setup, ct, ctLen, null, &ptLen)) != CKR_OK || ptLen > Room || ptLen < In)
        {
            message = $"C_Decrypt(CKM_AES_GCM) size query returned {RvName(rv)} / {ptLen} bytes";
            return rv != CKR_OK ? StatusOf(rv) : OpStatus.Failed;
        }
        if ((rv = F->C_Decrypt(Setup, ct, ctLen, pt, &ptLen)) != CKR_OK)
            return Fail(out message, $"C_Decrypt(CKM_AES_GCM) returned {RvName(rv)}");
        if (ptLen != In || !new ReadOnlySpan<byte>(pt, In).SequenceEqual(new ReadOnlySpan<byte>(input, In)))
            return Fail(out message, $"AES-GCM decrypt(encrypt(x)) != x ({ptLen} bytes back)");
        // A modified tag must be rejected.
        ct[(int)ctLen - 1] ^= 0x01;
        if ((rv = F->C_DecryptInit(Setup, &m, key)) != CKR_OK)
            return Fail(out message, $"C_DecryptInit(CKM_AES_GCM) returned {RvName(rv)}");
        ptLen = Room;
        rv = F->C_Decrypt(Setup, ct, ctLen, pt, &ptLen);
        if (rv == CKR_OK)
            return Fail(out message, "AES-GCM decryption accepted a modified tag");
        message = "encrypt/decrypt/tag check ok";
        return OpStatus.Ok;
    }

    /// <summary>Multi-part AES-CBC over 1 MiB in 64 KiB pieces (p11bench's cbc_multipart).
    /// Allocation-free: the timed loop calls it.</summary>
    public static CK_RV CbcMultipart(CK_SESSION_HANDLE s, bool encrypt, CK_OBJECT_HANDLE key, byte* iv,
        byte* input, byte* output, CK_ULONG outCap, CK_ULONG* outLen, ref string? fn)
    {
        CK_MECHANISM m = new() { mechanism = (CK_MECHANISM_TYPE)(uint)CKM.CKM_AES_CBC, pParameter = iv, ulParameterLen = 16 };
        CK_ULONG done = 0, l;
        CK_RV rv = encrypt ? F->C_EncryptInit(s, &m, key) : F->C_DecryptInit(s, &m, key);
        if (rv != CKR_OK)
        {
            fn = encrypt ? "C_EncryptInit" : "C_DecryptInit";
            return rv;
        }
        for (int off = 0; off < Operations.CbcTotal; off += Operations.CbcChunk)
        {
            l = outCap - done;
            rv = encrypt ? F->C_EncryptUpdate(s, input + off, Operations.CbcChunk, output + done, &l)
                         : F->C_DecryptUpdate(s, input + off, Operations.CbcChunk, output + done, &l);
            if (rv != CKR_OK)
            {
                fn = encrypt ? "C_EncryptUpdate" : "C_DecryptUpdate";
                return rv;
            }
            done += l;
        }
        l = outCap - done;
        rv = encrypt ? F->C_EncryptFinal(s, output + done, &l) : F->C_DecryptFinal(s, output + done, &l);
        if (rv != CKR_OK)
        {
            fn = encrypt ? "C_EncryptFinal" : "C_DecryptFinal";
            return rv;
        }
        *outLen = done + l;
        return CKR_OK;
    }

    private OpStatus PrepareCbc(out string message)
    {
        OpStatus st = KeyReady(KeyKind.Aes, out message);
        if (st != OpStatus.Ok)
            return st;
        const int Total = Operations.CbcTotal;
        byte* input = NativeArena.Alloc(Total), ct = NativeArena.Alloc(Total + 16), pt = NativeArena.Alloc(Total + 16);
        byte* iv = stackalloc byte[16];
        try
        {
            NativeArena.FillPattern(input, Total, 99);
            new Span<byte>(iv, 16).Fill(0x3C);
            CK_ULONG ctLen = 0, ptLen = 0;
            string? fn = "";
            CK_OBJECT_HANDLE key = Keys[(int)KeyKind.Aes].Priv;
            CK_RV rv = CbcMultipart(Setup, true, key, iv, input, ct, Total + 16, &ctLen, ref fn);
            if (rv != CKR_OK)
            {
                message = $"{fn}(CKM_AES_CBC) returned {RvName(rv)}";
                return StatusOf(rv);
            }
            if (ctLen != Total || new ReadOnlySpan<byte>(ct, 64).SequenceEqual(new ReadOnlySpan<byte>(input, 64)))
                return Fail(out message, $"AES-CBC multi-part encryption produced {ctLen} bytes (expected {Total})");
            if ((rv = CbcMultipart(Setup, false, key, iv, ct, pt, Total + 16, &ptLen, ref fn)) != CKR_OK)
                return Fail(out message, $"{fn}(CKM_AES_CBC) returned {RvName(rv)}");
            if (ptLen != Total || !new ReadOnlySpan<byte>(pt, Total).SequenceEqual(new ReadOnlySpan<byte>(input, Total)))
                return Fail(out message, $"AES-CBC decrypt(encrypt(x)) != x ({ptLen} bytes back)");
            message = "encrypt/decrypt check ok";
            return OpStatus.Ok;
        }
        finally
        {
            NativeArena.Free(input);
            NativeArena.Free(ct);
            NativeArena.Free(pt);
        }
    }

    private static readonly byte[] Sha256Of00To3F =
    [
        0xfd, 0xea, 0xb9, 0xac, 0xf3, 0x71, 0x03, 0x62, 0xbd, 0x26, 0x58, 0xcd, 0xc9, 0xa2, 0x9e, 0x8f,
        0x9c, 0x75, 0x7f, 0xcf, 0x98, 0x11, 0x60, 0x3a, 0x8c, 0x44, 0x7c, 0xd1, 0xd9, 0x15, 0x11, 0x08,
    ];

    private OpStatus PrepareDigest(out string message)
    {
        CK_MECHANISM m = new() { mechanism = (CK_MECHANISM_TYPE)(uint)CKM.CKM_SHA256 };
        byte* input = stackalloc byte[64];
        byte* output = stackalloc byte[128];
        for (int i = 0; i < 64; i++)
            input[i] = (byte)i;
        CK_ULONG len = 0;
        CK_RV rv;
        if ((rv = F->C_DigestInit(Setup, &m)) != CKR_OK)
        {
            message = $"C_DigestInit(CKM_SHA256) returned {RvName(rv)}";
            return StatusOf(rv);
        }
        if ((rv = F->C_Digest(Setup, input, 64, null, &len)) != CKR_OK || len < 32 || len > 128)
        {
            message = $"C_Digest(CKM_SHA256) size query returned {RvName(rv)} / {len} bytes";
            return rv != CKR_OK ? StatusOf(rv) : OpStatus.Failed;
        }
        DigestCap = len;
        if ((rv = F->C_Digest(Setup, input, 64, output, &len)) != CKR_OK)
            return Fail(out message, $"C_Digest(CKM_SHA256) returned {RvName(rv)}");
        if (len != 32 || !new ReadOnlySpan<byte>(output, 32).SequenceEqual(Sha256Of00To3F))
            return Fail(out message, "SHA-256 known-answer test failed");
        message = "known-answer test ok";
        return OpStatus.Ok;
    }

    private OpStatus SignVerifyOnce(CKM mt, CK_OBJECT_HANDLE priv, CK_OBJECT_HANDLE pub, out string message)
    {
        CK_MECHANISM m = new() { mechanism = (CK_MECHANISM_TYPE)(uint)mt };
        byte* sig = stackalloc byte[SigCapacity];
        CK_ULONG len = SigCapacity;
        CK_RV rv;
        if ((rv = F->C_SignInit(Setup, &m, priv)) != CKR_OK || (rv = F->C_Sign(Setup, Msg32, 32, sig, &len)) != CKR_OK)
            return Fail(out message, $"signing with a freshly generated key ({MechName(mt)}) returned {RvName(rv)}");
        if ((rv = F->C_VerifyInit(Setup, &m, pub)) != CKR_OK || (rv = F->C_Verify(Setup, Msg32, 32, sig, len)) != CKR_OK)
            return Fail(out message, $"verifying with a freshly generated key ({MechName(mt)}) returned {RvName(rv)}");
        message = "";
        return OpStatus.Ok;
    }

    private OpStatus PrepareKeygen(bool rsa, out string message)
    {
        CK_OBJECT_HANDLE pub = 0, priv = 0;
        CK_ATTRIBUTE a = Templates.Attr(rsa ? CKA.CKA_MODULUS : CKA.CKA_EC_POINT, null, 0);
        CKM sm = rsa ? CKM.CKM_SHA256_RSA_PKCS : CKM.CKM_ECDSA;
        CK_RV rv = rsa ? Templates.GenerateRsa(Setup, &pub, &priv) : Templates.GenerateEc(Setup, &pub, &priv);
        if (rv != CKR_OK)
        {
            message = $"C_GenerateKeyPair({MechName(rsa ? CKM.CKM_RSA_PKCS_KEY_PAIR_GEN : CKM.CKM_EC_KEY_PAIR_GEN)}) returned {RvName(rv)}";
            return StatusOf(rv);
        }
        OpStatus st = OpStatus.Ok;
        message = "";
        string attr = rsa ? "CKA_MODULUS" : "CKA_EC_POINT";
        rv = F->C_GetAttributeValue(Setup, pub, &a, 1);
        if (rv != CKR_OK)
            st = Fail(out message, $"C_GetAttributeValue({attr}) on the new public key returned {RvName(rv)}");
        else if (rsa ? a.ulValueLen != 256 : a.ulValueLen != 65 && a.ulValueLen != 67)
            st = Fail(out message, $"new public key has {attr} of {a.ulValueLen} bytes");
        else if (Listed(sm))
            st = SignVerifyOnce(sm, priv, pub, out message);
        if (st == OpStatus.Ok)
            message = "generated key pair checked ok";
        F->C_DestroyObject(Setup, priv);
        F->C_DestroyObject(Setup, pub);
        return st;
    }

    private OpStatus PrepareOpenClose(out string message)
    {
        CK_SESSION_HANDLE h;
        CK_SESSION_INFO si;
        CK_RV rv = F->C_OpenSession(Slot, (CK_FLAGS)(CKF.CKF_SERIAL_SESSION | CKF.CKF_RW_SESSION), null, null, &h);
        if (rv != CKR_OK)
            return Fail(out message, $"C_OpenSession returned {RvName(rv)}");
        rv = F->C_GetSessionInfo(h, &si);
        F->C_CloseSession(h);
        if (rv != CKR_OK)
            return Fail(out message, $"C_GetSessionInfo returned {RvName(rv)}");
        if (si.state != (CK_STATE)(uint)CKS.CKS_RW_USER_FUNCTIONS)
            return Fail(out message, $"new session is in state {si.state}, expected CKS_RW_USER_FUNCTIONS");
        message = "open/close ok";
        return OpStatus.Ok;
    }
}
