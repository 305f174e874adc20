namespace MLNet.Extensions.Kernels.Primitives;

/// <summary>
/// The handful of vector operations our kernels need, as static-abstract members so that one generic kernel body
/// compiles to straight Vector512, Vector256, Vector128 or scalar code with no dispatch cost.
/// </summary>
/// <typeparam name="TVector">The register type (Vector512&lt;float&gt;, ..., or float for the scalar path).</typeparam>
internal interface ISimd<TVector>
    where TVector : struct
{
    /// <summary>Floats per register.</summary>
    static abstract int Count { get; }

    /// <summary>All zeros.</summary>
    static abstract TVector Zero { get; }

    /// <summary>Loads Count floats from <paramref name="source"/>.</summary>
    static abstract unsafe TVector Load(float* source);

    /// <summary>Stores Count floats to <paramref name="destination"/>.</summary>
    static abstract unsafe void Store(TVector value, float* destination);

    /// <summary>Every lane set to <paramref name="value"/>.</summary>
    static abstract TVector Broadcast(float value);

    /// <summary>a * b + c, fused where the hardware can (software FMA would be far slower than multiply-then-add).</summary>
    static abstract TVector MultiplyAdd(TVector a, TVector b, TVector c);

    /// <summary>a * b.</summary>
    static abstract TVector Multiply(TVector a, TVector b);

    /// <summary>a + b.</summary>
    static abstract TVector Add(TVector a, TVector b);

    /// <summary>a - b.</summary>
    static abstract TVector Subtract(TVector a, TVector b);

    /// <summary>a / b.</summary>
    static abstract TVector Divide(TVector a, TVector b);

    /// <summary>
    /// 1 / x for finite x &gt;= 1 (the gate functions' denominators), to about 1 ulp: the hardware estimate refined by one
    /// Newton step where there is one, a division elsewhere. An estimate and two FMAs cost a fraction of a vector division.
    /// </summary>
    static abstract TVector Reciprocal(TVector x);

    /// <summary>Lane-wise maximum.</summary>
    static abstract TVector Max(TVector a, TVector b);

    /// <summary>Lane-wise minimum.</summary>
    static abstract TVector Min(TVector a, TVector b);

    /// <summary>
    /// Lane-wise min(max(x, low), high), passing NaN through: one vmax and one vmin where the hardware has them (the
    /// IEEE Min and Max are three instructions each on AVX-512), ordered so that a NaN in x is the result.
    /// </summary>
    static abstract TVector Clamp(TVector x, TVector low, TVector high);

    /// <summary>Lane-wise round toward negative infinity.</summary>
    static abstract TVector Floor(TVector x);

    /// <summary>
    /// value * 2^n per lane, for integral n in [-126, 127]: vscalef, or the exponent built directly with the hardware's own
    /// conversion (the saturating one costs a fix-up per lane group, and n is in range).
    /// </summary>
    static abstract TVector ScaleByPowerOfTwo(TVector value, TVector n);

    /// <summary>Lane-wise a &gt; 0 ? whenPositive : otherwise.</summary>
    static abstract TVector SelectPositive(TVector a, TVector whenPositive, TVector otherwise);

    /// <summary>Lane-wise e^x.</summary>
    static abstract TVector Exp(TVector x);

    /// <summary>Lane-wise square root.</summary>
    static abstract TVector Sqrt(TVector x);

    /// <summary>The sum of the lanes, in one fixed order (a tree of pairwise adds): the same float on every run.</summary>
    static abstract float HorizontalSum(TVector x);
}
