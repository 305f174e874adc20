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
        for (int i = 0; i < parameters.Length; i++)
        {
            float g = gradients[i];
            if (decoupledWeightDecay)
                parameters[i] *= 1f - learningRate * weightDecay;
            else
                g += weightDecay * parameters[i];
            firstMoment[i] = beta1 * firstMoment[i] + (1 - beta1) * g;
            secondMoment[i] = beta2 * secondMoment[i] + (1 - beta2) * g * g;
            parameters[i] -= learningRate * (firstMoment[i] / c1) / (MathF.Sqrt(secondMoment[i] / c2) + epsilon);
        }
    }
}
