namespace MLNet.Extensions.Kernels.Pooling;

/// <summary>Span-length checks shared by the pooling kernels, so every message has the same form.</summary>
internal static class PoolChecks
{
    /// <summary>Throws unless <paramref name="actual"/> equals <paramref name="expected"/>, naming the span and the formula.</summary>
    public static void Length(int actual, int expected, string name, string formula)
    {
        if (actual != expected)
            throw new ArgumentException($"{name} has {actual} elements; expected {formula} = {expected}.", name);
    }
}
