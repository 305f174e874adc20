using MLNet.Extensions.Kernels.Primitives;

namespace MLNet.Extensions.Kernels.Activations;

/// <summary>Forward and backward of the elementwise nonlinearities in <see cref="ActivationKind"/>, vectorized.</summary>
public static class Activation
{
    /// <summary>y[i] := f(x[i]). <paramref name="y"/> may be the same memory as <paramref name="x"/>.</summary>
    /// <exception cref="ArgumentException">The spans differ in length or the kind is unknown.</exception>
    public static void Forward(ActivationKind kind, ReadOnlySpan<float> x, Span<float> y, float leakySlope = 0.01f)
    {
        if (y.Length != x.Length)
            throw new ArgumentException($"y has {y.Length} elements; expected {x.Length}.", nameof(y));
        switch (kind)
        {
            case ActivationKind.Relu: Elementwise.Unary<ReluOperator>(x, y); break;
            case ActivationKind.LeakyRelu: Elementwise.Unary<LeakyReluOperator>(x, y, leakySlope); break;
            case ActivationKind.Tanh: Elementwise.Unary<TanhOperator>(x, y); break;
            case ActivationKind.Sigmoid: Elementwise.Unary<SigmoidOperator>(x, y); break;
            default: throw new ArgumentException($"Unknown activation {kind}.", nameof(kind));
        }
    }

    /// <summary>
    /// dx[i] := dy[i] * f'(x[i]), using x (ReLU, Leaky ReLU) or the forward output y (Tanh, Sigmoid), whichever the kind needs.
    /// Overwrites dx; <paramref name="dx"/> may be the same memory as <paramref name="dy"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The spans differ in length or the kind is unknown.</exception>
    public static void Backward(ActivationKind kind, ReadOnlySpan<float> x, ReadOnlySpan<float> y,
        ReadOnlySpan<float> dy, Span<float> dx, float leakySlope = 0.01f)
    {
        if (dx.Length != dy.Length)
            throw new ArgumentException($"dx has {dx.Length} elements; expected {dy.Length}.", nameof(dx));
        switch (kind)
        {
            case ActivationKind.Relu: Elementwise.Binary<ReluGradientOperator>(x, dy, dx, 0f, 0f); break;
            case ActivationKind.LeakyRelu: Elementwise.Binary<LeakyReluGradientOperator>(x, dy, dx, leakySlope, 0f); break;
            case ActivationKind.Tanh: Elementwise.Binary<TanhGradientOperator>(y, dy, dx, 0f, 0f); break;
            case ActivationKind.Sigmoid: Elementwise.Binary<SigmoidGradientOperator>(y, dy, dx, 0f, 0f); break;
            default: throw new ArgumentException($"Unknown activation {kind}.", nameof(kind));
        }
    }
}
