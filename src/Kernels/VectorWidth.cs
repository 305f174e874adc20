namespace MLNet.Extensions.Kernels;

/// <summary>The SIMD register widths a kernel can run at, in bits; <see cref="Scalar"/> means no vectors.</summary>
public enum VectorWidth
{
    /// <summary>Plain scalar code.</summary>
    Scalar = 0,
    /// <summary><see cref="System.Runtime.Intrinsics.Vector128{T}"/> paths.</summary>
    Bits128 = 128,
    /// <summary><see cref="System.Runtime.Intrinsics.Vector256{T}"/> paths.</summary>
    Bits256 = 256,
    /// <summary><see cref="System.Runtime.Intrinsics.Vector512{T}"/> paths.</summary>
    Bits512 = 512,
}
