using System.Runtime.Intrinsics;
using MLNet.Extensions.Kernels.Primitives;

namespace MLNet.Extensions.Kernels.Pooling;

/// <summary>
/// Average pooling over channels-last sequences (N, T, C), vectorized across channels; the divisor counts only the real
/// steps of a window, not its padding (as <see cref="AvgPool2d"/> does, and PyTorch with count_include_pad=False).
/// </summary>
public static class AvgPool1d
{
    /// <summary>output (N, T_out, C) := window means of input (N, T, C). Overwrites output.</summary>
    /// <exception cref="ArgumentException">The shape is invalid or a span's length does not match it.</exception>
    public static unsafe void Forward(in Pool1dShape shape, ReadOnlySpan<float> input, Span<float> output)
    {
        shape.Validate();
        PoolChecks.Length(input.Length, shape.InputSize, nameof(input), "N*T*C");
        PoolChecks.Length(output.Length, shape.OutputSize, nameof(output), "N*T_out*C");
        fixed (float* pIn = input, pOut = output)
        {
            switch (PoolRows.Width)
            {
                case VectorWidth.Bits512: ForwardCore<Simd512, Vector512<float>>(shape, pIn, pOut); break;
                case VectorWidth.Bits256: ForwardCore<Simd256, Vector256<float>>(shape, pIn, pOut); break;
                case VectorWidth.Bits128: ForwardCore<Simd128, Vector128<float>>(shape, pIn, pOut); break;
                default: ForwardCore<SimdScalar, float>(shape, pIn, pOut); break;
            }
        }
    }

    private static unsafe void ForwardCore<TOps, TVector>(in Pool1dShape s, float* input, float* output)
        where TOps : ISimd<TVector> where TVector : struct
    {
        int c = s.Channels, outSteps = s.OutputSteps;
        for (int n = 0; n < s.Batch; n++)
        {
            for (int t = 0; t < outSteps; t++)
            {
                (int first, int end) = s.Window(t);
                PoolRows.Sum<TOps, TVector>(input + ((long)n * s.Steps + first) * c, c, end - first, c, 1f / (end - first),
                    output + ((long)n * outSteps + t) * c);
            }
        }
    }

    /// <summary>dInput (N, T, C) := dOutput (N, T_out, C) spread evenly over each window's real steps. Overwrites dInput.</summary>
    /// <exception cref="ArgumentException">The shape is invalid or a span's length does not match it.</exception>
    public static unsafe void Backward(in Pool1dShape shape, ReadOnlySpan<float> dOutput, Span<float> dInput)
    {
        shape.Validate();
        PoolChecks.Length(dOutput.Length, shape.OutputSize, nameof(dOutput), "N*T_out*C");
        PoolChecks.Length(dInput.Length, shape.InputSize, nameof(dInput), "N*T*C");
        dInput.Clear();
        fixed (float* pDOut = dOutput, pDIn = dInput)
        {
            switch (PoolRows.Width)
            {
                case VectorWidth.Bits512: BackwardCore<Simd512, Vector512<float>>(shape, pDOut, pDIn); break;
                case VectorWidth.Bits256: BackwardCore<Simd256, Vector256<float>>(shape, pDOut, pDIn); break;
                case VectorWidth.Bits128: BackwardCore<Simd128, Vector128<float>>(shape, pDOut, pDIn); break;
                default: BackwardCore<SimdScalar, float>(shape, pDOut, pDIn); break;
            }
        }
    }

    private static unsafe void BackwardCore<TOps, TVector>(in Pool1dShape s, float* dOutput, float* dInput)
        where TOps : ISimd<TVector> where TVector : struct
    {
        int c = s.Channels, outSteps = s.OutputSteps;
        for (int n = 0; n < s.Batch; n++)
        {
            for (int t = 0; t < outSteps; t++)
            {
                (int first, int end) = s.Window(t);
                PoolRows.Spread<TOps, TVector>(dOutput + ((long)n * outSteps + t) * c, c, 1f / (end - first),
                    dInput + ((long)n * s.Steps + first) * c, c, end - first);
            }
        }
    }
}
