using Net.Pkcs11Interop.Common;
using NUnit.Framework;

namespace CloudHsm.Pkcs11.Tests.Infrastructure;

/// <summary>
/// Token set-up through the module itself: the library offers one uninitialised slot for C_InitToken
/// (as SoftHSM does); initialising it adds a token slot and a new uninitialised slot appears.
/// Tests that would damage the shared token (PIN changes, lockout, re-initialisation) make a scratch token.
/// </summary>
public static class Tokens
{
    private static int _counter;

    public static ulong? FindSlotByLabel(string label)
    {
        foreach (ulong slot in P11.SlotList(tokenPresent: true))
        {
            var info = P11.TokenInfo(slot);
            if (Ck.Has(info.Flags, CKF.CKF_TOKEN_INITIALIZED) && P11.Text(info.Label) == label)
                return slot;
        }
        return null;
    }

    /// <summary>The slots whose token is present but not initialised (CKF_TOKEN_INITIALIZED clear).</summary>
    public static ulong[] UninitializedSlots() =>
        P11.SlotList(tokenPresent: true).Where(s => !Ck.Has(P11.TokenFlags(s), CKF.CKF_TOKEN_INITIALIZED)).ToArray();

    public static ulong UninitializedSlot()
    {
        ulong[] slots = UninitializedSlots();
        Assert.That(slots, Has.Length.EqualTo(1), "exactly one slot offers an uninitialised token");
        return slots[0];
    }

    /// <summary>C_InitToken on the uninitialised slot; returns the slot the new token is in.</summary>
    public static ulong InitToken(string label, string soPin)
    {
        ulong slot = UninitializedSlot();
        byte[] pin = P11.Pin(soPin);
        P11.Ok(Module.Low.C_InitToken(slot, pin, (ulong)pin.Length, P11.Label32(label)), "C_InitToken");
        ulong? found = FindSlotByLabel(label);
        Assert.That(found, Is.Not.Null, $"after C_InitToken a slot holds the token '{label}'");
        return found!.Value;
    }

    /// <summary>As SO in a R/W session: C_InitPIN.</summary>
    public static void InitUserPin(ulong slot, string soPin, string userPin)
    {
        ulong s = P11.OpenSession(slot, readWrite: true);
        try
        {
            P11.Login(s, CKU.CKU_SO, soPin);
            byte[] pin = P11.Pin(userPin);
            P11.Ok(Module.Low.C_InitPIN(s, pin, (ulong)pin.Length), "C_InitPIN");
            P11.Logout(s);
        }
        finally
        {
            Module.Low.C_CloseSession(s);
        }
    }

    /// <summary>A fresh token with the suite's SO PIN and (unless told otherwise) user PIN.</summary>
    public static ulong CreateScratchToken(string name, bool withUserPin = true)
    {
        int n = Interlocked.Increment(ref _counter);
        string label = $"t{n}-{name}";
        if (label.Length > 32) label = label[..32];
        ulong slot = InitToken(label, Settings.SoPin);
        if (withUserPin) InitUserPin(slot, Settings.SoPin, Settings.UserPin);
        return slot;
    }
}
