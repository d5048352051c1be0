using System.Runtime.InteropServices;
using System.Text;
using CloudHsm.Pkcs11.Tests.Infrastructure;
using Net.Pkcs11Interop.Common;
using NUnit.Framework;

namespace CloudHsm.Pkcs11.Tests;

/// <summary>
/// The exported symbols and the PKCS#11 3.0 discovery functions C_GetInterfaceList / C_GetInterface
/// (spec 5.4), called through raw function pointers because Pkcs11Interop 5.3.0 does not know them.
/// </summary>
public sealed unsafe class _27_InterfaceTest : Pkcs11Fixture
{
    private static RawApi.CK_INTERFACE[] List()
    {
        ulong count = 0;
        P11.Ok(Module.Raw.C_GetInterfaceList(null, &count), "C_GetInterfaceList(NULL, &count)");
        var list = new RawApi.CK_INTERFACE[count];
        fixed (RawApi.CK_INTERFACE* p = list)
            P11.Ok(Module.Raw.C_GetInterfaceList(p, &count), "C_GetInterfaceList");
        return list.Take((int)count).ToArray();
    }

    [Test]
    public void Every_standard_function_is_exported_and_is_the_function_list_entry()
    {
        var r = NativeHelpers.RunHelper("symbols", [], TimeSpan.FromMinutes(2));
        Assert.That(r.ExitCode, Is.Zero, "tests/native/symbols.c: dlsym of all 68 v2.40 functions, C_GetInterfaceList, C_GetInterface:\n" + r);
        Assert.That(r.StdOut, Does.Contain("symbols: 70 checked, 0 problems"), r.ToString());
    }

    [Test]
    public void Interface_list_offers_PKCS_11_version_2_40_with_the_same_functions_as_C_GetFunctionList()
    {
        RawApi.CK_INTERFACE[] list = List();
        Assert.That(list, Is.Not.Empty);
        string names = string.Join(", ", list.Select(i => $"'{i.Name}' {i.Version.Major}.{i.Version.Minor}"));
        RawApi.CK_INTERFACE[] v240 = list.Where(i => i.Name == "PKCS 11" && i.Version == (2, 40)).ToArray();
        Assert.That(v240, Has.Length.EqualTo(1), "one 'PKCS 11' 2.40 interface in: " + names);
        IntPtr* table = (IntPtr*)((byte*)v240[0].pFunctionList + 8);
        for (int i = 0; i < RawApi.FunctionNames.Length; i++)
            Assert.That(table[i], Is.EqualTo(Module.Raw.Fn(RawApi.FunctionNames[i])), $"{RawApi.FunctionNames[i]}: same function as in C_GetFunctionList's list");
        foreach (var i in list.Where(i => i.Name == "PKCS 11"))
            Assert.That(i.Version.Major, Is.AnyOf((byte)2, (byte)3), "standard interface versions: " + names);
    }

    [Test]
    public void Too_small_buffer_returns_CKR_BUFFER_TOO_SMALL_and_the_count()
    {
        int n = List().Length;
        if (n < 2)
        {
            ulong zero = 0;
            RawApi.CK_INTERFACE one;
            Assert.That(Module.Raw.C_GetInterfaceList(&one, &zero), Is.EqualTo(CKR.CKR_BUFFER_TOO_SMALL), "C_GetInterfaceList with room for none");
            Assert.That(zero, Is.EqualTo((ulong)n), "*pulCount is set to the number of interfaces");
            return;
        }
        ulong count = 1;
        RawApi.CK_INTERFACE single;
        Assert.That(Module.Raw.C_GetInterfaceList(&single, &count), Is.EqualTo(CKR.CKR_BUFFER_TOO_SMALL), "C_GetInterfaceList with room for one");
        Assert.That(count, Is.EqualTo((ulong)n), "*pulCount is set to the number of interfaces");
    }

    [Test]
    public void NULL_pulCount_returns_CKR_ARGUMENTS_BAD()
    {
        Assert.That(Module.Raw.C_GetInterfaceList(null, null), Is.EqualTo(CKR.CKR_ARGUMENTS_BAD), "C_GetInterfaceList(NULL, NULL)");
        Assert.That(Module.Raw.C_GetInterface(null, null, null, 0), Is.EqualTo(CKR.CKR_ARGUMENTS_BAD), "C_GetInterface(ppInterface = NULL)");
    }

    [Test]
    public void C_GetInterface_returns_the_default_and_the_requested_version()
    {
        RawApi.CK_INTERFACE* iface = null;
        Assert.That(Module.Raw.C_GetInterface(null, null, &iface, 0), Is.EqualTo(CKR.CKR_OK), "C_GetInterface(NULL, NULL): the default interface");
        Assert.That(iface != null && iface->pFunctionList != IntPtr.Zero, Is.True, "a usable default interface");
        Assert.That(iface->Name, Is.EqualTo("PKCS 11"), "the default is the standard interface");

        byte[] name = Encoding.ASCII.GetBytes("PKCS 11\0");
        byte[] version = [2, 40];
        fixed (byte* pName = name)
        fixed (byte* pVersion = version)
        {
            iface = null;
            Assert.That(Module.Raw.C_GetInterface(pName, pVersion, &iface, 0), Is.EqualTo(CKR.CKR_OK), "C_GetInterface(\"PKCS 11\", 2.40)");
            Assert.That(iface->Version, Is.EqualTo(((byte)2, (byte)40)), "version 2.40 as asked");
            Assert.That(((IntPtr*)((byte*)iface->pFunctionList + 8))[0], Is.EqualTo(Module.Raw.Fn("C_Initialize")), "its C_Initialize");
        }
    }

    [Test]
    public void Unknown_interface_or_version_is_not_returned()
    {
        byte[] name = Encoding.ASCII.GetBytes("No Such Interface\0"), std = Encoding.ASCII.GetBytes("PKCS 11\0");
        byte[] version = [9, 9];
        fixed (byte* pName = name)
        fixed (byte* pStd = std)
        fixed (byte* pVersion = version)
        {
            RawApi.CK_INTERFACE* iface = null;
            Assert.That(Module.Raw.C_GetInterface(pName, null, &iface, 0), Is.Not.EqualTo(CKR.CKR_OK), "C_GetInterface(\"No Such Interface\")");
            Assert.That(Module.Raw.C_GetInterface(pStd, pVersion, &iface, 0), Is.Not.EqualTo(CKR.CKR_OK), "C_GetInterface(\"PKCS 11\", 9.9)");
        }
    }

    [Test]
    public void Discovery_works_before_C_Initialize()
    {
        P11.Ok(Module.Low.C_Finalize(IntPtr.Zero), "C_Finalize");
        try
        {
            Assert.That(List(), Is.Not.Empty, "C_GetInterfaceList before C_Initialize");
            RawApi.CK_INTERFACE* iface = null;
            Assert.That(Module.Raw.C_GetInterface(null, null, &iface, 0), Is.EqualTo(CKR.CKR_OK), "C_GetInterface before C_Initialize");
        }
        finally
        {
            Module.EnsureInitialized();
        }
    }

    [Test]
    public void Interface_names_are_NUL_terminated_UTF8()
    {
        foreach (var i in List())
        {
            Assert.That(i.pInterfaceName, Is.Not.EqualTo(IntPtr.Zero), "pInterfaceName");
            Assert.That(Marshal.PtrToStringUTF8(i.pInterfaceName), Is.Not.Empty);
        }
    }
}
