// The native width of CK_ULONG and its typedefs, chosen per runtime identifier (STYLE 6.3).
// CK_WINDOWS comes from Directory.Build.props for win-* RIDs. Global aliases are per assembly, so
// every project that speaks the C ABI (Abi, Native, Abi.Tests) compiles this one file, linked
// from here: the choice cannot diverge between them. Aliases cannot name other aliases, so each
// line names the BCL type itself.
#if CK_WINDOWS
// Windows (LLP64): unsigned long is 32 bits; structures are packed to 1 byte (CkLayout.Pack).
global using CK_ULONG = System.UInt32;
global using CK_RV = System.UInt32;
global using CK_FLAGS = System.UInt32;
global using CK_SLOT_ID = System.UInt32;
global using CK_SESSION_HANDLE = System.UInt32;
global using CK_OBJECT_HANDLE = System.UInt32;
global using CK_MECHANISM_TYPE = System.UInt32;
global using CK_ATTRIBUTE_TYPE = System.UInt32;
global using CK_USER_TYPE = System.UInt32;
global using CK_STATE = System.UInt32;
#else
// 64-bit Unix (LP64): unsigned long is pointer-sized; structures keep natural alignment.
global using CK_ULONG = System.UIntPtr;
global using CK_RV = System.UIntPtr;
global using CK_FLAGS = System.UIntPtr;
global using CK_SLOT_ID = System.UIntPtr;
global using CK_SESSION_HANDLE = System.UIntPtr;
global using CK_OBJECT_HANDLE = System.UIntPtr;
global using CK_MECHANISM_TYPE = System.UIntPtr;
global using CK_ATTRIBUTE_TYPE = System.UIntPtr;
global using CK_USER_TYPE = System.UIntPtr;
global using CK_STATE = System.UIntPtr;
#endif
global using CK_BBOOL = System.Byte;
