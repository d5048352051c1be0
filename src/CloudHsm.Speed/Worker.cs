using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text;
using CloudHsm.Pkcs11.Abi;
using static CloudHsm.Speed.Pkcs11Module;

namespace CloudHsm.Speed;

/// <summary>One measuring thread: its own session, its own pre-sized unmanaged buffers and
/// parameters, its own histogram. One call of <see cref="RunOne"/> is one measured operation, exactly
/// p11bench's run_*() sequence; nothing in the warm-up or timed loop allocates.</summary>
internal sealed unsafe class Worker
{
    private readonly Bench _b;
    private readonly OpDef _op;
    private readonly OpKind _kind;
    private readonly int _idx;
    private readonly CK_SESSION_HANDLE _s;
    private readonly ulong _maxIters;

    private byte* _in, _out;
    private CK_ULONG _inLen, _outCap;
    private byte* _sig;
    private CK_ULONG _sigLen;
    private CK_MECHANISM* _mech;
    private CK_GCM_PARAMS* _gcm;
    private byte* _iv;
    private ulong _ctr;
    private CK_OBJECT_HANDLE _skey, _vkey;
    private CK_OBJECT_HANDLE _genPub, _genPriv;
    private CK_ATTRIBUTE* _findTemplate;

    public readonly Histogram Histogram = new();
    public long TStart, TEnd;
    public CK_RV ErrRv;
    public string? ErrFn;
    public string ErrExtra = "";
    public bool Failed;

    public Worker(Bench b, OpDef op, int idx)
    {
        _b = b;
        _op = op;
        _kind = op.Kind;
        _idx = idx;
        _s = b.Sessions[idx];
        Init();
        if (op.Kind == OpKind.KeygenRsa)
            _maxIters = b.Options.RsaKeygenMax;
    }

    /// <summary>Per-thread buffers and parameters (outside any timing), as p11bench's worker_init.</summary>
    private void Init()
    {
        switch (_kind)
        {
            case OpKind.Sign:
            case OpKind.Verify:
            {
                SigVar sv = _b.SigVars[(int)_op.Variant];
                KeySlot ks = _b.Keys[(int)sv.Key];
                _mech = NativeArena.Value(_b.MechanismOf(_op.Variant));
                _inLen = (CK_ULONG)sv.DataLength;
                _in = NativeArena.Alloc(sv.DataLength);
                Buffer.MemoryCopy(_b.DataOf(_op.Variant), _in, sv.DataLength, sv.DataLength);
                _outCap = sv.Cap;
                _out = NativeArena.Alloc((long)sv.Cap);
                _skey = ks.Priv;
                _vkey = sv.Key == KeyKind.Hmac ? ks.Priv : ks.Pub;
                _sig = sv.Sig;
                _sigLen = sv.SigLength;
                break;
            }
            case OpKind.Gcm:
                _inLen = Operations.GcmIn;
                _in = NativeArena.Alloc(Operations.GcmIn);
                NativeArena.FillPattern(_in, Operations.GcmIn, 1000u + (uint)_idx);
                _outCap = _b.GcmCap;
                _out = NativeArena.Alloc((long)_b.GcmCap);
                _skey = _b.Keys[(int)KeyKind.Aes].Priv;
                _iv = NativeArena.Alloc(16);
                _iv[0] = (byte)(_idx >> 24);
                _iv[1] = (byte)(_idx >> 16);
                _iv[2] = (byte)(_idx >> 8);
                _iv[3] = (byte)_idx;
                _gcm = NativeArena.Value(new CK_GCM_PARAMS { pIv = _iv, ulIvLen = 12, ulIvBits = 96, ulTagBits = Operations.GcmTag * 8 });
                _mech = Templates.Mechanism(CKM.CKM_AES_GCM, _gcm, sizeof(CK_GCM_PARAMS));
                break;
            case OpKind.Cbc:
                _inLen = Operations.CbcTotal;
                _in = NativeArena.Alloc(Operations.CbcTotal);
                NativeArena.FillPattern(_in, Operations.CbcTotal, 2000u + (uint)_idx);
                _outCap = Operations.CbcTotal + 16;
                _out = NativeArena.Alloc(Operations.CbcTotal + 16);
                _skey = _b.Keys[(int)KeyKind.Aes].Priv;
                _iv = NativeArena.Alloc(16);
                _iv[0] = (byte)_idx;
                break;
            case OpKind.Digest:
                _inLen = 64;
                _in = NativeArena.Alloc(64);
                NativeArena.FillPattern(_in, 64, 3000u + (uint)_idx);
                _outCap = _b.DigestCap;
                _out = NativeArena.Alloc((long)_b.DigestCap);
                _mech = Templates.Mechanism(CKM.CKM_SHA256);
                break;
            case OpKind.Find:
            {
                byte* label = NativeArena.Utf8(_b.ObjectLabel((_b.ObjectCount / 2 + _idx * 7) % _b.ObjectCount), out int labelLength);
                _findTemplate = NativeArena.Alloc<CK_ATTRIBUTE>(2);
                _findTemplate[0] = Templates.Attr(CKA.CKA_CLASS, Templates.ClassData, sizeof(CK_ULONG));
                _findTemplate[1] = Templates.Attr(CKA.CKA_LABEL, label, labelLength);
                break;
            }
        }
    }

    // ------------------------------------------------------------------ one operation each

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private CK_RV RunSign()
    {
        CK_ULONG len = _outCap;
        CK_RV rv = F->C_SignInit(_s, _mech, _skey);
        if (rv != CKR_OK)
        {
            ErrFn = "C_SignInit";
            return rv;
        }
        rv = F->C_Sign(_s, _in, _inLen, _out, &len);
        if (rv != CKR_OK)
            ErrFn = "C_Sign";
        return rv;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private CK_RV RunVerify()
    {
        CK_RV rv = F->C_VerifyInit(_s, _mech, _vkey);
        if (rv != CKR_OK)
        {
            ErrFn = "C_VerifyInit";
            return rv;
        }
        rv = F->C_Verify(_s, _in, _inLen, _sig, _sigLen);
        if (rv != CKR_OK)
            ErrFn = "C_Verify";
        return rv;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PutBigEndian64(byte* p, ulong v)
    {
        for (int i = 7; i >= 0; i--)
        {
            p[i] = (byte)v;
            v >>= 8;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private CK_RV RunGcm()
    {
        CK_ULONG len = _outCap;
        PutBigEndian64(_iv + 4, ++_ctr); // IV = thread index || call counter
        CK_RV rv = F->C_EncryptInit(_s, _mech, _skey);
        if (rv != CKR_OK)
        {
            ErrFn = "C_EncryptInit";
            return rv;
        }
        rv = F->C_Encrypt(_s, _in, Operations.GcmIn, _out, &len);
        if (rv != CKR_OK)
            ErrFn = "C_Encrypt";
        return rv;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private CK_RV RunCbc()
    {
        CK_ULONG outLen = 0;
        PutBigEndian64(_iv + 8, ++_ctr);
        CK_RV rv = Bench.CbcMultipart(_s, true, _skey, _iv, _in, _out, _outCap, &outLen, ref ErrFn);
        if (rv == CKR_OK && outLen != Operations.CbcTotal)
        {
            ErrFn = "C_EncryptUpdate/C_EncryptFinal";
            ErrExtra = $"produced {outLen} bytes, expected {Operations.CbcTotal}";
            return CheckFailed;
        }
        return rv;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private CK_RV RunDigest()
    {
        CK_ULONG len = _outCap;
        CK_RV rv = F->C_DigestInit(_s, _mech);
        if (rv != CKR_OK)
        {
            ErrFn = "C_DigestInit";
            return rv;
        }
        rv = F->C_Digest(_s, _in, _inLen, _out, &len);
        if (rv != CKR_OK)
            ErrFn = "C_Digest";
        return rv;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private CK_RV RunKeygen()
    {
        CK_OBJECT_HANDLE pub = 0, priv = 0;
        CK_RV rv = _kind == OpKind.KeygenRsa ? Templates.GenerateRsa(_s, &pub, &priv) : Templates.GenerateEc(_s, &pub, &priv);
        _genPub = pub;
        _genPriv = priv;
        if (rv != CKR_OK)
            ErrFn = "C_GenerateKeyPair";
        return rv;
    }

    private void PostKeygen()
    {
        F->C_DestroyObject(_s, _genPriv);
        F->C_DestroyObject(_s, _genPub);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private CK_RV RunFind()
    {
        CK_OBJECT_HANDLE* h = stackalloc CK_OBJECT_HANDLE[2];
        CK_ULONG n = 0;
        CK_RV rv = F->C_FindObjectsInit(_s, _findTemplate, 2);
        if (rv != CKR_OK)
        {
            ErrFn = "C_FindObjectsInit";
            return rv;
        }
        rv = F->C_FindObjects(_s, h, 2, &n);
        if (rv != CKR_OK)
        {
            ErrFn = "C_FindObjects";
            F->C_FindObjectsFinal(_s);
            return rv;
        }
        rv = F->C_FindObjectsFinal(_s);
        if (rv != CKR_OK)
        {
            ErrFn = "C_FindObjectsFinal";
            return rv;
        }
        if (n != 1)
        {
            ErrFn = "C_FindObjects";
            ErrExtra = $"found {n} objects, expected 1";
            return CheckFailed;
        }
        return CKR_OK;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private CK_RV RunOpenClose()
    {
        CK_SESSION_HANDLE h;
        CK_RV rv = F->C_OpenSession(_b.Slot, (CK_FLAGS)(CKF.CKF_SERIAL_SESSION | CKF.CKF_RW_SESSION), null, null, &h);
        if (rv != CKR_OK)
        {
            ErrFn = "C_OpenSession";
            return rv;
        }
        rv = F->C_CloseSession(h);
        if (rv != CKR_OK)
            ErrFn = "C_CloseSession";
        return rv;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private CK_RV RunOne() => _kind switch
    {
        OpKind.Sign => RunSign(),
        OpKind.Verify => RunVerify(),
        OpKind.Gcm => RunGcm(),
        OpKind.Cbc => RunCbc(),
        OpKind.Digest => RunDigest(),
        OpKind.KeygenRsa or OpKind.KeygenEc => RunKeygen(),
        OpKind.Find => RunFind(),
        OpKind.OpenClose => RunOpenClose(),
        _ => (CK_RV)(uint)CKR.CKR_GENERAL_ERROR,
    };

    private void Error(CK_RV rv, string phase)
    {
        Failed = true;
        ErrRv = rv;
        ErrFn ??= "?";
        if (ErrExtra.Length == 0)
            ErrExtra = $"during {phase}";
        Program.Abort();
    }

    // ------------------------------------------------------------------ the thread

    /// <summary>Warm-up (untimed; the slow ops do exactly one call), the barrier, then the timed loop
    /// until S seconds have passed, the keygen cap is reached or any thread stops on an error.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Main(Barrier barrier, double warmupSeconds, double seconds)
    {
        bool keygen = _kind is OpKind.KeygenRsa or OpKind.KeygenEc;
        bool ok = true;
        long wend = Stopwatch.GetTimestamp() + (long)(warmupSeconds * Stopwatch.Frequency);
        for (;;)
        {
            CK_RV rv = RunOne();
            if (rv != CKR_OK)
            {
                Error(rv, "warm-up");
                ok = false;
                break;
            }
            if (keygen)
                PostKeygen();
            if (_op.Slow || Program.StopRequested || Stopwatch.GetTimestamp() >= wend)
                break;
        }
        barrier.SignalAndWait();
        if (!ok || Program.StopRequested)
            return;

        Histogram hist = Histogram;
        ulong maxIters = _maxIters;
        long t2 = 0;
        long start = Stopwatch.GetTimestamp();
        long deadline = start + (long)(seconds * Stopwatch.Frequency);
        TStart = start;
        for (;;)
        {
            long t1 = Stopwatch.GetTimestamp();
            CK_RV rv = RunOne();
            t2 = Stopwatch.GetTimestamp();
            if (rv != CKR_OK)
            {
                Error(rv, "timed run");
                break;
            }
            hist.Add(t2 - t1);
            if (keygen)
                PostKeygen(); // untimed
            if (t2 >= deadline || (maxIters != 0 && (ulong)hist.Count >= maxIters) || Program.StopRequested)
                break;
        }
        TEnd = t2;
    }

    public string Describe(int thread) =>
        new StringBuilder().Append(ErrFn).Append(" returned ").Append(RvName(ErrRv))
            .Append(" in thread ").Append(thread).Append(" after ").Append(Histogram.Count)
            .Append(" ops (").Append(ErrExtra).Append(')').ToString();
}
