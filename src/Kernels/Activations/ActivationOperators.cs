using MLNet.Extensions.Kernels.Primitives;

namespace MLNet.Extensions.Kernels.Activations;

/// <summary>max(x, 0).</summary>
internal readonly struct ReluOperator : IBinaryOperator
{
    public static TVector Invoke<TOps, TVector>(TVector x, TVector y, TVector p, TVector q) where TOps : ISimd<TVector> where TVector : struct
        => TOps.Max(x, TOps.Zero);
}

/// <summary>x &gt; 0 ? x : p * x.</summary>
internal readonly struct LeakyReluOperator : IBinaryOperator
{
    public static TVector Invoke<TOps, TVector>(TVector x, TVector y, TVector p, TVector q) where TOps : ISimd<TVector> where TVector : struct
        => TOps.SelectPositive(x, x, TOps.Multiply(x, p));
}

/// <summary>1 / (1 + e^-x); saturates to exactly 0 or 1 without overflow trouble (1 / inf = 0).</summary>
internal readonly struct SigmoidOperator : IBinaryOperator
{
    public static TVector Invoke<TOps, TVector>(TVector x, TVector y, TVector p, TVector q) where TOps : ISimd<TVector> where TVector : struct
    {
        TVector one = TOps.Broadcast(1f);
        return TOps.Divide(one, TOps.Add(one, TOps.Exp(TOps.Subtract(TOps.Zero, x))));
    }
}

/// <summary>tanh(x) = 2 sigmoid(2x) - 1, which reuses the sigmoid and stays finite for any x.</summary>
internal readonly struct TanhOperator : IBinaryOperator
{
    public static TVector Invoke<TOps, TVector>(TVector x, TVector y, TVector p, TVector q) where TOps : ISimd<TVector> where TVector : struct
    {
        TVector one = TOps.Broadcast(1f);
        TVector s = SigmoidOperator.Invoke<TOps, TVector>(TOps.Add(x, x), y, p, q);
        return TOps.Subtract(TOps.Add(s, s), one);
    }
}

/// <summary>ReLU backward: x &gt; 0 ? dy : 0, with x in the first operand and dy in the second.</summary>
internal readonly struct ReluGradientOperator : IBinaryOperator
{
    public static TVector Invoke<TOps, TVector>(TVector x, TVector dy, TVector p, TVector q) where TOps : ISimd<TVector> where TVector : struct
        => TOps.SelectPositive(x, dy, TOps.Zero);
}

/// <summary>Leaky ReLU backward: x &gt; 0 ? dy : p * dy.</summary>
internal readonly struct LeakyReluGradientOperator : IBinaryOperator
{
    public static TVector Invoke<TOps, TVector>(TVector x, TVector dy, TVector p, TVector q) where TOps : ISimd<TVector> where TVector : struct
        => TOps.SelectPositive(x, dy, TOps.Multiply(dy, p));
}

/// <summary>Tanh backward from the output: dy * (1 - y^2).</summary>
internal readonly struct TanhGradientOperator : IBinaryOperator
{
    public static TVector Invoke<TOps, TVector>(TVector y, TVector dy, TVector p, TVector q) where TOps : ISimd<TVector> where TVector : struct
        => TOps.Multiply(dy, TOps.Subtract(TOps.Broadcast(1f), TOps.Multiply(y, y)));
}

/// <summary>Sigmoid backward from the output: dy * y * (1 - y).</summary>
internal readonly struct SigmoidGradientOperator : IBinaryOperator
{
    public static TVector Invoke<TOps, TVector>(TVector y, TVector dy, TVector p, TVector q) where TOps : ISimd<TVector> where TVector : struct
        => TOps.Multiply(TOps.Multiply(dy, y), TOps.Subtract(TOps.Broadcast(1f), y));
}
