using System.Runtime.Intrinsics;
using MLNet.Extensions.Kernels.Primitives;

namespace MLNet.Extensions.Kernels.Optimizers;

/// <summary>Adam and AdamW over a flat parameter buffer.</summary>
public static class Adam
{
    /// <summary>
    /// One step (step counts from 1). Adam adds weightDecay * p to the gradient (L2);
    /// AdamW (<paramref name="decoupledWeightDecay"/>) instead multiplies p by (1 - lr * weightDecay) before the update.
    /// m := b1 m + (1-b1) g; v := b2 v + (1-b2) g^2; p -= lr * (m / (1-b1^step)) / (sqrt(v / (1-b2^step)) + eps).
    /// </summary>
    public static void Step(Span<float> parameters, ReadOnlySpan<float> gradients, Span<float> firstMoment,
        Span<float> secondMoment, int step, float learningRate, float beta1, float beta2, float epsilon,
        float weightDecay, bool decoupledWeightDecay)
        {
        if (!(float.IsFinite(learningRate) && learningRate > 0))
            throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "Must be positive and finite.");
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1))
            throw new ArgumentOutOfRangeException(nameof(beta1), $"beta1 {beta1} and beta2 {beta2} must be in [0, 1).");
        if (step < 1)
            throw new ArgumentOutOfRangeException(nameof(step), step, "Steps count from 1.");
        if (gradients.Length != parameters.Length || firstMoment.Length != parameters.Length || secondMoment.Length != parameters.Length)
            throw new ArgumentException("gradients and both moments must match parameters in length.");
        float c1 = 1f - MathF.Pow(beta1, step), c2 = 1f - MathF.Pow(beta2, step);
        var rule = new Rule(learningRate, beta1, beta2, epsilon, weightDecay, decoupledWeightDecay, c1, c2);
        unsafe
        {
            fixed (float* p = parameters, g = gradients, m = firstMoment, v = secondMoment)
            {
                switch (KernelSettings.EffectiveVectorWidth)
                {
                    case VectorWidth.Bits512: Run<Simd512, Vector512<float>>(rule, p, g, m, v, parameters.Length); break;
                    case VectorWidth.Bits256: Run<Simd256, Vector256<float>>(rule, p, g, m, v, parameters.Length); break;
                    case VectorWidth.Bits128: Run<Simd128, Vector128<float>>(rule, p, g, m, v, parameters.Length); break;
                    default: Run<SimdScalar, float>(rule, p, g, m, v, parameters.Length); break;
                }
            }
        }
    }

    /// <summary>The step's constants: the hyperparameters and the two bias corrections.</summary>
    private readonly record struct Rule(float LearningRate, float Beta1, float Beta2, float Epsilon, float WeightDecay,
        bool Decoupled, float Correction1, float Correction2);

    // Every lane runs the scalar definition's operations in its order (no fused multiply-adds), so each width gives the
    // same floats and a trained model does not depend on the machine's SIMD width.
    private static unsafe void Run<TOps, TVector>(in Rule r, float* p, float* g, float* m, float* v, int length)
        where TOps : ISimd<TVector>
        where TVector : struct
    {
        int w = TOps.Count, i = 0;
        for (; i <= length - w; i += w)
            Lanes<TOps, TVector>(r, p + i, g + i, m + i, v + i);
        for (; i < length; i++)
            Lanes<SimdScalar, float>(r, p + i, g + i, m + i, v + i);
    }

    private static unsafe void Lanes<TOps, TVector>(in Rule r, float* p, float* g, float* m, float* v)
        where TOps : ISimd<TVector>
        where TVector : struct
    {
        TVector parameter = TOps.Load(p), gradient = TOps.Load(g);
        if (r.Decoupled)
            parameter = TOps.Multiply(parameter, TOps.Broadcast(1f - r.LearningRate * r.WeightDecay));
        else
            gradient = TOps.Add(gradient, TOps.Multiply(TOps.Broadcast(r.WeightDecay), parameter));
        TVector first = TOps.Add(TOps.Multiply(TOps.Broadcast(r.Beta1), TOps.Load(m)), TOps.Multiply(TOps.Broadcast(1 - r.Beta1), gradient));
        TVector second = TOps.Add(TOps.Multiply(TOps.Broadcast(r.Beta2), TOps.Load(v)),
            TOps.Multiply(TOps.Multiply(TOps.Broadcast(1 - r.Beta2), gradient), gradient));
        TOps.Store(first, m);
        TOps.Store(second, v);
        TVector step = TOps.Divide(TOps.Multiply(TOps.Broadcast(r.LearningRate), TOps.Divide(first, TOps.Broadcast(r.Correction1))),
            TOps.Add(TOps.Sqrt(TOps.Divide(second, TOps.Broadcast(r.Correction2))), TOps.Broadcast(r.Epsilon)));
        TOps.Store(TOps.Subtract(parameter, step), p);
    }
}
