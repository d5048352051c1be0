using CloudHsm.Pkcs11.Native;
using CloudHsm.Pkcs11.Native.Exports;

namespace CloudHsm.Pkcs11.Abi.Tests.Marshalling;

/// <summary>The exports called through function pointers, as C would, without a backend.</summary>
[TestFixture]
[NonParallelizable]
public unsafe class ExportTests
{
    [Test]
    public void FunctionListIsCompleteAndPointsAtTheExports()
    {
        CK_FUNCTION_LIST* list = null;
        Assert.That((ulong)((delegate* unmanaged[Cdecl]<CK_FUNCTION_LIST**, CK_RV>)&General.C_GetFunctionList)(&list), Is.Zero);
        Assert.That(list->version.major, Is.EqualTo(2));
        Assert.That(list->version.minor, Is.EqualTo(40));
        var slots = new ReadOnlySpan<nint>((byte*)list + sizeof(nint), CK_FUNCTION_LIST.FunctionCount);
        Assert.That(slots.ToArray(), Has.None.EqualTo(nint.Zero));
        Assert.That((nint)list->C_Sign, Is.EqualTo((nint)(delegate* unmanaged[Cdecl]<CK_SESSION_HANDLE, byte*, CK_ULONG, byte*, CK_ULONG*, CK_RV>)&Sign.C_Sign));
        Assert.That((nint)list->C_WaitForSlotEvent, Is.EqualTo((nint)(delegate* unmanaged[Cdecl]<CK_FLAGS, CK_SLOT_ID*, void*, CK_RV>)&SlotToken.C_WaitForSlotEvent));
    }

    [Test]
    public void CallsBeforeInitializeAnswerNotInitialized()
    {
        CK_INFO info;
        CK_ULONG count;
        CK_FUNCTION_LIST* list;
        ((delegate* unmanaged[Cdecl]<CK_FUNCTION_LIST**, CK_RV>)&General.C_GetFunctionList)(&list);
        Assert.That((CKR)(uint)list->C_GetInfo(&info), Is.EqualTo(CKR.CKR_CRYPTOKI_NOT_INITIALIZED));
        Assert.That((CKR)(uint)list->C_GetSlotList(0, null, &count), Is.EqualTo(CKR.CKR_CRYPTOKI_NOT_INITIALIZED));
        Assert.That((CKR)(uint)list->C_CancelFunction(1), Is.EqualTo(CKR.CKR_CRYPTOKI_NOT_INITIALIZED));
        Assert.That((CKR)(uint)list->C_Finalize(null), Is.EqualTo(CKR.CKR_CRYPTOKI_NOT_INITIALIZED));
        Assert.That((CKR)(uint)list->C_Finalize((void*)1), Is.EqualTo(CKR.CKR_ARGUMENTS_BAD));
    }

    [Test]
    public void InterfaceListFollowsTheTwoCallConvention()
    {
        var getList = (delegate* unmanaged[Cdecl]<CK_INTERFACE*, CK_ULONG*, CK_RV>)&General.C_GetInterfaceList;
        CK_ULONG count = 0;
        Assert.That((CKR)(uint)getList(null, &count), Is.EqualTo(CKR.CKR_OK));
        Assert.That((ulong)count, Is.EqualTo(1));
        var interfaces = stackalloc CK_INTERFACE[1];
        Assert.That((CKR)(uint)getList(interfaces, &count), Is.EqualTo(CKR.CKR_OK));
        Assert.That(new string((sbyte*)interfaces[0].pInterfaceName), Is.EqualTo("PKCS 11"));
        Assert.That((nint)interfaces[0].pFunctionList, Is.EqualTo((nint)FunctionList.V240));
        Assert.That((CKR)(uint)getList(interfaces, null), Is.EqualTo(CKR.CKR_ARGUMENTS_BAD));
    }
}
