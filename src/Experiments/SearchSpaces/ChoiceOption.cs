namespace MLNet.Extensions.Experiments;

/// <summary>One option of a choice; its <see cref="Nested"/> space is searched only when the option is chosen ("optimizer = SGD ⇒ momentum").</summary>
/// <param name="Value">The value the parameter takes.</param>
/// <param name="Nested">Parameters that exist only under this option, or null.</param>
public sealed record ChoiceOption(object Value, SearchSpace? Nested = null);
