using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace MLNet.Extensions.Kernels.Primitives;

/// <summary>
/// The kernels' one way of checking span sizes at their public entry points: each check takes the size it expects and
/// names the argument from the caller's own expression, so a message can never name a different argument than the one
/// checked. Throwing lives in separate methods to keep the checks small enough to inline.
/// </summary>
internal static class Require
{
    /// <summary>Throws <see cref="ArgumentException"/> unless <paramref name="span"/> holds exactly <paramref name="expected"/> elements.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Length<T>(ReadOnlySpan<T> span, int expected, [CallerArgumentExpression(nameof(span))] string name = "")
    {
        if (span.Length != expected)
            ThrowLength(name, span.Length, $"{expected}");
    }

    /// <summary>Throws unless <paramref name="span"/> holds <paramref name="expected"/> elements or is empty (an optional operand).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void LengthOrEmpty<T>(ReadOnlySpan<T> span, int expected, [CallerArgumentExpression(nameof(span))] string name = "")
    {
        if (!span.IsEmpty && span.Length != expected)
            ThrowLength(name, span.Length, $"{expected} or none");
    }

    /// <summary>Throws unless <paramref name="span"/> holds at least <paramref name="minimum"/> elements (scratch space).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AtLeast<T>(ReadOnlySpan<T> span, int minimum, [CallerArgumentExpression(nameof(span))] string name = "")
    {
        if (span.Length < minimum)
            ThrowLength(name, span.Length, $"at least {minimum}");
    }

    /// <summary>
    /// Throws unless a row-major (<paramref name="rows"/>, <paramref name="cols"/>) matrix with row stride
    /// <paramref name="ld"/> fits: ld &gt;= cols, and the span reaches the last element, (rows - 1) * ld + cols.
    /// </summary>
    public static void Matrix<T>(ReadOnlySpan<T> span, int ld, int rows, int cols,
        [CallerArgumentExpression(nameof(span))] string spanName = "", [CallerArgumentExpression(nameof(ld))] string ldName = "")
    {
        if (ld < cols)
            throw new ArgumentException($"{ldName} is {ld}; it must be at least {cols}, the stored row width.", ldName);
        long needed = rows == 0 || cols == 0 ? 0 : (long)(rows - 1) * ld + cols;
        if (span.Length < needed)
        {
            throw new ArgumentException(
                $"{spanName} holds {span.Length} elements; a ({rows}, {cols}) matrix with row stride {ld} needs at least {needed}.",
                spanName);
        }
    }

    [DoesNotReturn]
    private static void ThrowLength(string name, int actual, string expected)
        => throw new ArgumentException($"{name} has {actual} elements; expected {expected}.", name);
}
