using System.Text;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.LowLevelAPI80;
using NUnit.Framework;

namespace CloudHsm.Pkcs11.Tests.Infrastructure;

/// <summary>
/// Short helpers over LowLevelAPI80 for the steps a test takes on its way to what it checks.
/// Each helper asserts CKR_OK with the function's name, so a failing set-up step reads
/// "C_OpenSession: Expected CKR_OK But was CKR_TOKEN_NOT_RECOGNIZED".
/// </summary>
public static class P11
{
    public static void Ok(CKR rv, string function) => Assert.That(rv, Is.EqualTo(CKR.CKR_OK), function);

    public static void Expect(CKR rv, CKR expected, string what) => Assert.That(rv, Is.EqualTo(expected), what);

    // --- slots and tokens ---------------------------------------------------------------------------------
    public static ulong[] SlotList(bool tokenPresent = true)
    {
        ulong count = 0;
        Ok(Module.Low.C_GetSlotList(tokenPresent, null, ref count), "C_GetSlotList(NULL)");
        var slots = new ulong[count];
        Ok(Module.Low.C_GetSlotList(tokenPresent, slots, ref count), "C_GetSlotList");
        return slots.Take((int)count).ToArray();
    }

    public static CK_TOKEN_INFO TokenInfo(ulong slot)
    {
        var info = new CK_TOKEN_INFO();
        Ok(Module.Low.C_GetTokenInfo(slot, ref info), "C_GetTokenInfo");
        return info;
    }

    public static ulong TokenFlags(ulong slot) => TokenInfo(slot).Flags;

    public static CK_SLOT_INFO SlotInfo(ulong slot)
    {
        var info = new CK_SLOT_INFO();
        Ok(Module.Low.C_GetSlotInfo(slot, ref info), "C_GetSlotInfo");
        return info;
    }

    public static string Text(byte[] field) => Encoding.UTF8.GetString(field).TrimEnd(' ');

    /// <summary>A blank-padded 32-byte token label.</summary>
    public static byte[] Label32(string label)
    {
        byte[] text = Encoding.UTF8.GetBytes(label);
        Assert.That(text, Has.Length.LessThanOrEqualTo(32), "label too long for CK_TOKEN_INFO.label");
        var padded = Enumerable.Repeat((byte)' ', 32).ToArray();
        text.CopyTo(padded, 0);
        return padded;
    }

    public static byte[] Pin(string pin) => Encoding.UTF8.GetBytes(pin);

    // --- sessions -----------------------------------------------------------------------------------------
    public static CKR TryOpenSession(ulong slot, bool readWrite, out ulong session)
    {
        session = 0;
        ulong flags = Ck.CKF_SERIAL_SESSION | (readWrite ? Ck.CKF_RW_SESSION : 0);
        return Module.Low.C_OpenSession(slot, flags, IntPtr.Zero, IntPtr.Zero, ref session);
    }

    public static ulong OpenSession(ulong slot, bool readWrite)
    {
        Ok(TryOpenSession(slot, readWrite, out ulong session), readWrite ? "C_OpenSession(R/W)" : "C_OpenSession(R/O)");
        Assert.That(session, Is.Not.EqualTo(0UL), "C_OpenSession returned session handle 0");
        return session;
    }

    public static ulong OpenRw() => OpenSession(Module.MainSlot, readWrite: true);
    public static ulong OpenRo() => OpenSession(Module.MainSlot, readWrite: false);

    public static void CloseAll(ulong slot) => Module.Low.C_CloseAllSessions(slot);

    public static CK_SESSION_INFO SessionInfo(ulong session)
    {
        var info = new CK_SESSION_INFO();
        Ok(Module.Low.C_GetSessionInfo(session, ref info), "C_GetSessionInfo");
        return info;
    }

    public static CKS State(ulong session) => (CKS)(uint)SessionInfo(session).State;

    public static CKR TryLogin(ulong session, CKU user, string pin)
    {
        byte[] p = Pin(pin);
        return Module.Low.C_Login(session, user, p, (ulong)p.Length);
    }

    public static void Login(ulong session, CKU user, string pin) => Ok(TryLogin(session, user, pin), $"C_Login({user})");
    public static void LoginUser(ulong session) => Login(session, CKU.CKU_USER, Settings.UserPin);
    public static void LoginSo(ulong session) => Login(session, CKU.CKU_SO, Settings.SoPin);
    public static void Logout(ulong session) => Ok(Module.Low.C_Logout(session), "C_Logout");

    // --- objects ------------------------------------------------------------------------------------------
    public static CKR TryCreate(ulong session, out ulong handle, params Attr[] template)
    {
        handle = 0;
        using var t = new NativeTemplate(template);
        return Module.Low.C_CreateObject(session, t.Attributes, t.Count, ref handle);
    }

    public static ulong Create(ulong session, params Attr[] template)
    {
        Ok(TryCreate(session, out ulong handle, template), "C_CreateObject(" + string.Join(", ", template) + ")");
        Assert.That(handle, Is.Not.EqualTo(0UL), "C_CreateObject returned object handle 0");
        return handle;
    }

    public static CKR TryCopy(ulong session, ulong obj, out ulong copy, params Attr[] template)
    {
        copy = 0;
        using var t = new NativeTemplate(template);
        return Module.Low.C_CopyObject(session, obj, t.Attributes, t.Count, ref copy);
    }

    public static CKR TrySet(ulong session, ulong obj, params Attr[] template)
    {
        using var t = new NativeTemplate(template);
        return Module.Low.C_SetAttributeValue(session, obj, t.Attributes, t.Count);
    }

    public static CKR Destroy(ulong session, ulong obj) => Module.Low.C_DestroyObject(session, obj);

    /// <summary>Reads one attribute with the two-call convention; returns the CKR of the failing call.</summary>
    public static CKR TryGet(ulong session, ulong obj, CKA type, out byte[] value) => TryGet(session, obj, (ulong)type, out value);

    public static CKR TryGet(ulong session, ulong obj, ulong type, out byte[] value)
    {
        value = [];
        using var t = NativeTemplate.ForRead([type], 0);
        CKR rv = Module.Low.C_GetAttributeValue(session, obj, t.Attributes, 1);
        if (rv != CKR.CKR_OK) return rv;
        ulong len = t.Attributes[0].valueLen;
        if (len == Ck.UnavailableInformation) return CKR.CKR_GENERAL_ERROR;
        t.Allocate(0, checked((int)len));
        rv = Module.Low.C_GetAttributeValue(session, obj, t.Attributes, 1);
        if (rv == CKR.CKR_OK) value = t.ValueOf(0);
        return rv;
    }

    public static byte[] Get(ulong session, ulong obj, CKA type)
    {
        Ok(TryGet(session, obj, type, out byte[] value), $"C_GetAttributeValue({type})");
        return value;
    }

    public static bool GetBool(ulong session, ulong obj, CKA type)
    {
        byte[] v = Get(session, obj, type);
        Assert.That(v, Has.Length.EqualTo(1), $"{type} is a CK_BBOOL: 1 byte");
        return v[0] != 0;
    }

    public static ulong GetULong(ulong session, ulong obj, CKA type)
    {
        byte[] v = Get(session, obj, type);
        Assert.That(v, Has.Length.EqualTo(8), $"{type} is a CK_ULONG: 8 bytes on linux-x64");
        return BitConverter.ToUInt64(v);
    }

    public static string GetString(ulong session, ulong obj, CKA type) => Encoding.UTF8.GetString(Get(session, obj, type));

    public static CKR TryFind(ulong session, out ulong[] found, int batch, params Attr[] template)
    {
        found = [];
        using var t = new NativeTemplate(template);
        CKR rv = Module.Low.C_FindObjectsInit(session, template.Length == 0 ? null : t.Attributes, t.Count);
        if (rv != CKR.CKR_OK) return rv;
        var all = new List<ulong>();
        var buffer = new ulong[batch];
        while (true)
        {
            ulong count = 0;
            rv = Module.Low.C_FindObjects(session, buffer, (ulong)batch, ref count);
            if (rv != CKR.CKR_OK) { Module.Low.C_FindObjectsFinal(session); return rv; }
            if (count > (ulong)batch) return CKR.CKR_GENERAL_ERROR;
            all.AddRange(buffer.Take((int)count));
            if (count == 0) break;
        }
        rv = Module.Low.C_FindObjectsFinal(session);
        found = all.ToArray();
        return rv;
    }

    public static ulong[] Find(ulong session, params Attr[] template)
    {
        Ok(TryFind(session, out ulong[] found, 16, template), "C_FindObjects*(" + string.Join(", ", template) + ")");
        return found;
    }

    /// <summary>A label no other test uses.</summary>
    public static string UniqueLabel(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    // --- digest -------------------------------------------------------------------------------------------
    public static CKR DigestInit(ulong session, CKM mechanism)
    {
        CK_MECHANISM m = CkmUtils.CreateMechanism(mechanism);
        return Module.Low.C_DigestInit(session, ref m);
    }

    public static byte[] Digest(ulong session, CKM mechanism, byte[] data)
    {
        Ok(DigestInit(session, mechanism), $"C_DigestInit({mechanism})");
        ulong len = 0;
        Ok(Module.Low.C_Digest(session, data, (ulong)data.Length, null, ref len), "C_Digest(size query)");
        var digest = new byte[len];
        Ok(Module.Low.C_Digest(session, data, (ulong)data.Length, digest, ref len), "C_Digest");
        return digest.Take((int)len).ToArray();
    }
}
