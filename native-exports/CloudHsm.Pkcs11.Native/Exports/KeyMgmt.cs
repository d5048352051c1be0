using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using CloudHsm.Pkcs11.Abi;
using CloudHsm.Pkcs11.Native.Marshalling;

namespace CloudHsm.Pkcs11.Native.Exports;

/// <summary>Key management functions (PKCS#11 §5.14).</summary>
internal static unsafe class KeyMgmt
{
    [UnmanagedCallersOnly(EntryPoint = "C_GenerateKey", CallConvs = [typeof(CallConvCdecl)])]
    public static CK_RV C_GenerateKey(CK_SESSION_HANDLE hSession, CK_MECHANISM* pMechanism, CK_ATTRIBUTE* pTemplate, CK_ULONG ulCount, CK_OBJECT_HANDLE* phKey)
    {
        CKR rv;
        try
        {
            var backend = ModuleState.Backend;
            var result = NativeIn.Out(phKey);
            var mechanism = MechanismReader.Read(pMechanism);
            var template = TemplateReader.Read(pTemplate, ulCount);
            *result = CkULong.From(backend.GenerateKey(hSession, mechanism, template));
            rv = CKR.CKR_OK;
        }
        catch (Exception e)
        {
            rv = Boundary.ToCkr(e, hSession);
        }
        return Boundary.Exit(rv, $"hSession={hSession}, pMechanism={Boundary.Ptr(pMechanism)}, pTemplate={Boundary.Ptr(pTemplate)}, ulCount={ulCount}, phKey={Boundary.Held(phKey)}");
    }

    [UnmanagedCallersOnly(EntryPoint = "C_GenerateKeyPair", CallConvs = [typeof(CallConvCdecl)])]
    public static CK_RV C_GenerateKeyPair(CK_SESSION_HANDLE hSession, CK_MECHANISM* pMechanism,
                                          CK_ATTRIBUTE* pPublicKeyTemplate, CK_ULONG ulPublicKeyAttributeCount,
                                          CK_ATTRIBUTE* pPrivateKeyTemplate, CK_ULONG ulPrivateKeyAttributeCount,
                                          CK_OBJECT_HANDLE* phPublicKey, CK_OBJECT_HANDLE* phPrivateKey)
    {
        CKR rv;
        try
        {
            var backend = ModuleState.Backend;
            var publicResult = NativeIn.Out(phPublicKey);
            var privateResult = NativeIn.Out(phPrivateKey);
            var mechanism = MechanismReader.Read(pMechanism);
            var publicTemplate = TemplateReader.Read(pPublicKeyTemplate, ulPublicKeyAttributeCount);
            var privateTemplate = TemplateReader.Read(pPrivateKeyTemplate, ulPrivateKeyAttributeCount);
            var (publicKey, privateKey) = backend.GenerateKeyPair(hSession, mechanism, publicTemplate, privateTemplate);
            *publicResult = CkULong.From(publicKey);
            *privateResult = CkULong.From(privateKey);
            rv = CKR.CKR_OK;
        }
        catch (Exception e)
        {
            rv = Boundary.ToCkr(e, hSession);
        }
        return Boundary.Exit(rv, $"hSession={hSession}, pMechanism={Boundary.Ptr(pMechanism)}, pPublicKeyTemplate={Boundary.Ptr(pPublicKeyTemplate)}, ulPublicKeyAttributeCount={ulPublicKeyAttributeCount}, pPrivateKeyTemplate={Boundary.Ptr(pPrivateKeyTemplate)}, ulPrivateKeyAttributeCount={ulPrivateKeyAttributeCount}, phPublicKey={Boundary.Held(phPublicKey)}, phPrivateKey={Boundary.Held(phPrivateKey)}");
    }

    /// <summary>The wrapped key follows the two-call convention (<see cref="OutBuffer"/>).</summary>
    [UnmanagedCallersOnly(EntryPoint = "C_WrapKey", CallConvs = [typeof(CallConvCdecl)])]
    public static CK_RV C_WrapKey(CK_SESSION_HANDLE hSession, CK_MECHANISM* pMechanism, CK_OBJECT_HANDLE hWrappingKey, CK_OBJECT_HANDLE hKey,
                                  byte* pWrappedKey, CK_ULONG* pulWrappedKeyLen)
    {
        CKR rv;
        try
        {
            var backend = ModuleState.Backend;
            var mechanism = MechanismReader.Read(pMechanism);
            var output = OutBuffer.ForBytes(pWrappedKey, pulWrappedKeyLen);
            rv = output.Commit(backend.WrapKey(hSession, mechanism, hWrappingKey, hKey, output.Bytes, output.IsSizeQuery));
        }
        catch (Exception e)
        {
            rv = Boundary.ToCkr(e, hSession, pulWrappedKeyLen);
        }
        return Boundary.Exit(rv, $"hSession={hSession}, pMechanism={Boundary.Ptr(pMechanism)}, hWrappingKey={hWrappingKey}, hKey={hKey}, pWrappedKey={Boundary.Ptr(pWrappedKey)}, pulWrappedKeyLen={Boundary.Held(pulWrappedKeyLen)}");
    }

    [UnmanagedCallersOnly(EntryPoint = "C_UnwrapKey", CallConvs = [typeof(CallConvCdecl)])]
    public static CK_RV C_UnwrapKey(CK_SESSION_HANDLE hSession, CK_MECHANISM* pMechanism, CK_OBJECT_HANDLE hUnwrappingKey,
                                    byte* pWrappedKey, CK_ULONG ulWrappedKeyLen, CK_ATTRIBUTE* pTemplate, CK_ULONG ulAttributeCount,
                                    CK_OBJECT_HANDLE* phKey)
    {
        CKR rv;
        try
        {
            var backend = ModuleState.Backend;
            var result = NativeIn.Out(phKey);
            var mechanism = MechanismReader.Read(pMechanism);
            var wrapped = NativeIn.Bytes(pWrappedKey, ulWrappedKeyLen);
            var template = TemplateReader.Read(pTemplate, ulAttributeCount);
            *result = CkULong.From(backend.UnwrapKey(hSession, mechanism, hUnwrappingKey, wrapped, template));
            rv = CKR.CKR_OK;
        }
        catch (Exception e)
        {
            rv = Boundary.ToCkr(e, hSession);
        }
        return Boundary.Exit(rv, $"hSession={hSession}, pMechanism={Boundary.Ptr(pMechanism)}, hUnwrappingKey={hUnwrappingKey}, pWrappedKey={Boundary.Ptr(pWrappedKey)}, ulWrappedKeyLen={ulWrappedKeyLen}, pTemplate={Boundary.Ptr(pTemplate)}, ulAttributeCount={ulAttributeCount}, phKey={Boundary.Held(phKey)}");
    }

    /// <summary>phKey is required: the SSL3/TLS key-material mechanisms that return their keys through
    /// the parameter instead (and take phKey NULL) are not offered. The handles of additional keys
    /// (SP 800-108 CK_DERIVED_KEY) go to the phKey of their entries in the parameter.</summary>
    [UnmanagedCallersOnly(EntryPoint = "C_DeriveKey", CallConvs = [typeof(CallConvCdecl)])]
    public static CK_RV C_DeriveKey(CK_SESSION_HANDLE hSession, CK_MECHANISM* pMechanism, CK_OBJECT_HANDLE hBaseKey,
                                    CK_ATTRIBUTE* pTemplate, CK_ULONG ulAttributeCount, CK_OBJECT_HANDLE* phKey)
    {
        CKR rv;
        var outputs = new DerivedKeyOutputs();
        try
        {
            var backend = ModuleState.Backend;
            var result = NativeIn.Out(phKey);
            var mechanism = MechanismReader.Read(pMechanism, outputs);
            var template = TemplateReader.Read(pTemplate, ulAttributeCount);
            var derived = backend.DeriveKey(hSession, mechanism, hBaseKey, template);
            outputs.Write(derived.AdditionalKeys);
            *result = CkULong.From(derived.Key);
            rv = CKR.CKR_OK;
        }
        catch (Exception e)
        {
            outputs.MarkFailed(e);
            rv = Boundary.ToCkr(e, hSession);
        }
        return Boundary.Exit(rv, $"hSession={hSession}, pMechanism={Boundary.Ptr(pMechanism)}, hBaseKey={hBaseKey}, pTemplate={Boundary.Ptr(pTemplate)}, ulAttributeCount={ulAttributeCount}, phKey={Boundary.Held(phKey)}");
    }
}
