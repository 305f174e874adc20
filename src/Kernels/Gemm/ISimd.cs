namespace MLNet.Extensions.Kernels.Gemm;

/// <summary>
/// The handful of vector operations a GEMM micro-kernel needs, as static members of a struct so one generic kernel
/// compiles to straight-line Vector128, Vector256, Vector512 or scalar code with no dispatch left at run time.
/// </summary>
internal unsafe interface ISimd<TVector> where TVector : unmanaged
{
    /// <summary>Lanes per vector.</summary>
    static abstract int Count { get; }

    /// <summary>All lanes zero.</summary>
    static abstract TVector Zero { get; }

    /// <summary>Loads <see cref="Count"/> floats (no alignment required).</summary>
    static abstract TVector Load(float* source);

    /// <summary>Every lane set to <paramref name="value"/>.</summary>
    static abstract TVector Broadcast(float value);

    /// <summary>left * right + addend, fused when the hardware has FMA.</summary>
    static abstract TVector MultiplyAdd(TVector left, TVector right, TVector addend);

    /// <summary>Lane-wise product.</summary>
    static abstract TVector Multiply(TVector left, TVector right);

    /// <summary>Stores <see cref="Count"/> floats (no alignment required).</summary>
    static abstract void Store(float* destination, TVector value);
}
