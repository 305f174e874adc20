using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using MLNet.Extensions.Kernels.Primitives;

namespace MLNet.Extensions.Kernels.Recurrent;

/// <summary>
/// The per-step elementwise work of an LSTM, vectorized: gate nonlinearities with the state update in one pass forward,
/// and the gate gradients in one pass backward. Gates of one sample are laid out i, f, g, o, each H wide. The generic
/// bodies (and the step loops that call them) are compiled optimized on first call: at tier 0 none of the ISimd calls
/// inline, and the first few hundred milliseconds of scoring ran at a third of the speed until tiering caught up.
/// </summary>
internal static unsafe class LstmCellMath
{
    /// <summary>
    /// gates := (sigmoid(i), sigmoid(f), tanh(g), sigmoid(o)) from pre-activations in place; c := f cPrev + i g; h := o tanh(c).
    /// </summary>
    public static void Forward(float* gates, float* cPrev, float* c, float* h, int hidden)
    {
        switch (KernelSettings.EffectiveVectorWidth)
        {
            case VectorWidth.Bits512: Forward<Simd512, Vector512<float>>(gates, cPrev, c, h, hidden); break;
            case VectorWidth.Bits256: Forward<Simd256, Vector256<float>>(gates, cPrev, c, h, hidden); break;
            case VectorWidth.Bits128: Forward<Simd128, Vector128<float>>(gates, cPrev, c, h, hidden); break;
            default: Forward<SimdScalar, float>(gates, cPrev, c, h, hidden); break;
        }
    }

    /// <summary>
    /// For scoring, from pre-activations without bias: c := f c + i g in place and h := o tanh(c), with the bias added to
    /// each gate here; the activated gates are not kept. Covers the first <paramref name="units"/> hidden units of gate
    /// blocks <paramref name="hidden"/> apart, so the units of one sequence can be shared among threads.
    /// </summary>
    public static void Infer(float* gates, float* bias, float* c, float* h, int units, int hidden)
    {
        switch (KernelSettings.EffectiveVectorWidth)
        {
            case VectorWidth.Bits512: Infer<Simd512, Vector512<float>>(gates, bias, c, h, units, hidden); break;
            case VectorWidth.Bits256: Infer<Simd256, Vector256<float>>(gates, bias, c, h, units, hidden); break;
            case VectorWidth.Bits128: Infer<Simd128, Vector128<float>>(gates, bias, c, h, units, hidden); break;
            default: Infer<SimdScalar, float>(gates, bias, c, h, units, hidden); break;
        }
    }

    /// <summary>
    /// From dh (gradient at h, including the recurrent part) and dcNext (gradient at c from the next step): writes the
    /// pre-activation gate gradients dGates and replaces dcNext with the gradient at cPrev.
    /// </summary>
    public static void Backward(float* gates, float* c, float* cPrev, float* dh, float* dcNext, float* dGates, int hidden)
    {
        switch (KernelSettings.EffectiveVectorWidth)
        {
            case VectorWidth.Bits512: Backward<Simd512, Vector512<float>>(gates, c, cPrev, dh, dcNext, dGates, hidden); break;
            case VectorWidth.Bits256: Backward<Simd256, Vector256<float>>(gates, c, cPrev, dh, dcNext, dGates, hidden); break;
            case VectorWidth.Bits128: Backward<Simd128, Vector128<float>>(gates, c, cPrev, dh, dcNext, dGates, hidden); break;
            default: Backward<SimdScalar, float>(gates, c, cPrev, dh, dcNext, dGates, hidden); break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Forward<TOps, TVector>(float* gates, float* cPrev, float* c, float* h, int hidden)
        where TOps : ISimd<TVector>
        where TVector : struct
    {
        int w = TOps.Count, j = 0;
        for (; j <= hidden - w; j += w)
            ForwardLanes<TOps, TVector>(gates, cPrev, c, h, hidden, j);
        for (; j < hidden; j++)
            ForwardLanes<SimdScalar, float>(gates, cPrev, c, h, hidden, j);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForwardLanes<TOps, TVector>(float* gates, float* cPrev, float* c, float* h, int hidden, int j)
        where TOps : ISimd<TVector>
        where TVector : struct
    {
        TVector i = GateFunctions.Sigmoid<TOps, TVector>(TOps.Load(gates + j));
        TVector f = GateFunctions.Sigmoid<TOps, TVector>(TOps.Load(gates + hidden + j));
        TVector g = GateFunctions.Tanh<TOps, TVector>(TOps.Load(gates + 2 * hidden + j));
        TVector o = GateFunctions.Sigmoid<TOps, TVector>(TOps.Load(gates + 3 * hidden + j));
        TOps.Store(i, gates + j);
        TOps.Store(f, gates + hidden + j);
        TOps.Store(g, gates + 2 * hidden + j);
        TOps.Store(o, gates + 3 * hidden + j);
        TVector cell = TOps.MultiplyAdd(f, TOps.Load(cPrev + j), TOps.Multiply(i, g));
        TOps.Store(cell, c + j);
        TOps.Store(TOps.Multiply(o, GateFunctions.Tanh<TOps, TVector>(cell)), h + j);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Infer<TOps, TVector>(float* gates, float* bias, float* c, float* h, int units, int hidden)
        where TOps : ISimd<TVector>
        where TVector : struct
    {
        int w = TOps.Count, j = 0;
        for (; j <= units - w; j += w)
            InferLanes<TOps, TVector>(gates, bias, c, h, hidden, j);
        for (; j < units; j++)
            InferLanes<SimdScalar, float>(gates, bias, c, h, hidden, j);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void InferLanes<TOps, TVector>(float* gates, float* bias, float* c, float* h, int hidden, int j)
        where TOps : ISimd<TVector>
        where TVector : struct
    {
        TVector i = GateFunctions.Sigmoid<TOps, TVector>(TOps.Add(TOps.Load(gates + j), TOps.Load(bias + j)));
        TVector f = GateFunctions.Sigmoid<TOps, TVector>(TOps.Add(TOps.Load(gates + hidden + j), TOps.Load(bias + hidden + j)));
        TVector g = GateFunctions.Tanh<TOps, TVector>(TOps.Add(TOps.Load(gates + 2 * hidden + j), TOps.Load(bias + 2 * hidden + j)));
        TVector o = GateFunctions.Sigmoid<TOps, TVector>(TOps.Add(TOps.Load(gates + 3 * hidden + j), TOps.Load(bias + 3 * hidden + j)));
        TVector cell = TOps.MultiplyAdd(f, TOps.Load(c + j), TOps.Multiply(i, g));
        TOps.Store(cell, c + j);
        TOps.Store(TOps.Multiply(o, GateFunctions.Tanh<TOps, TVector>(cell)), h + j);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Backward<TOps, TVector>(float* gates, float* c, float* cPrev, float* dh, float* dcNext, float* dGates, int hidden)
        where TOps : ISimd<TVector>
        where TVector : struct
    {
        int w = TOps.Count, j = 0;
        for (; j <= hidden - w; j += w)
            BackwardLanes<TOps, TVector>(gates, c, cPrev, dh, dcNext, dGates, hidden, j);
        for (; j < hidden; j++)
            BackwardLanes<SimdScalar, float>(gates, c, cPrev, dh, dcNext, dGates, hidden, j);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void BackwardLanes<TOps, TVector>(float* gates, float* c, float* cPrev, float* dh, float* dcNext, float* dGates, int hidden, int j)
        where TOps : ISimd<TVector>
        where TVector : struct
    {
        TVector one = TOps.Broadcast(1f);
        TVector i = TOps.Load(gates + j), f = TOps.Load(gates + hidden + j), g = TOps.Load(gates + 2 * hidden + j), o = TOps.Load(gates + 3 * hidden + j);
        TVector tc = GateFunctions.Tanh<TOps, TVector>(TOps.Load(c + j));
        TVector dhj = TOps.Load(dh + j);
        // dc = dcNext + dh * o * (1 - tanh(c)^2)
        TVector dc = TOps.MultiplyAdd(TOps.Multiply(dhj, o), TOps.Subtract(one, TOps.Multiply(tc, tc)), TOps.Load(dcNext + j));
        TOps.Store(TOps.Multiply(TOps.Multiply(dc, g), TOps.Multiply(i, TOps.Subtract(one, i))), dGates + j);
        TOps.Store(TOps.Multiply(TOps.Multiply(dc, TOps.Load(cPrev + j)), TOps.Multiply(f, TOps.Subtract(one, f))), dGates + hidden + j);
        TOps.Store(TOps.Multiply(TOps.Multiply(dc, i), TOps.Subtract(one, TOps.Multiply(g, g))), dGates + 2 * hidden + j);
        TOps.Store(TOps.Multiply(TOps.Multiply(dhj, tc), TOps.Multiply(o, TOps.Subtract(one, o))), dGates + 3 * hidden + j);
        TOps.Store(TOps.Multiply(dc, f), dcNext + j);
    }
}
