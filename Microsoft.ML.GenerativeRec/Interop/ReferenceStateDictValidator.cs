using System.Text;
using static TorchSharp.torch;

namespace Microsoft.ML.GenerativeRec.Interop;

/// <summary>Checks a state dict read from a file against a <see cref="ReferenceStateDictMapping"/>: every key, shape and type.</summary>
/// <remarks>
/// Every problem is collected before anything is thrown, so one message names all missing keys, unexpected keys and
/// wrong shapes. A file in our own TorchSharp layout (keys <c>input.*</c>, <c>blocks.*</c>) is recognised and named.
/// </remarks>
internal static class ReferenceStateDictValidator
{
    private const int MaxKeysListed = 12;

    /// <summary>Throws unless <paramref name="state"/> holds exactly the keys of <paramref name="mapping"/>, with their shapes.</summary>
    /// <param name="mapping">What the hyper-parameters say the file holds.</param>
    /// <param name="state">The file's tensors by key.</param>
    /// <param name="modelName">"HSTU" or "SASRec", for the message.</param>
    /// <param name="path">The file, for the message.</param>
    /// <exception cref="InvalidDataException">A key is missing or unexpected, or a tensor has the wrong shape or type; the message names each.</exception>
    public static void Validate(ReferenceStateDictMapping mapping, IReadOnlyDictionary<string, Tensor> state, string modelName, string path)
    {
        var expected = mapping.Tensors.ToDictionary(t => t.ReferenceKey, t => t.ReferenceShape, StringComparer.Ordinal);
        expected.Add(ReferenceStateDictMapping.AttentionMaskKey, [mapping.PaddedLength, mapping.PaddedLength]);
        var missing = mapping.ReferenceKeys.Where(k => !state.ContainsKey(k)).ToList();
        var unexpected = state.Keys.Where(k => !expected.ContainsKey(k)).Order(StringComparer.Ordinal).ToList();
        var wrong = new List<string>();
        foreach (string key in mapping.ReferenceKeys.Where(state.ContainsKey))
        {
            Tensor tensor = state[key];
            long[] shape = expected[key];
            if (!Matches(tensor.shape, shape))
            {
                wrong.Add($"'{key}' is [{string.Join(", ", tensor.shape)}], expected [{string.Join(", ", shape.Select(s => s < 0 ? "any" : s.ToString(System.Globalization.CultureInfo.InvariantCulture)))}]");
            }
            else if (key == ReferenceStateDictMapping.AttentionMaskKey ? tensor.dtype != ScalarType.Bool : !tensor.is_floating_point())
            {
                wrong.Add($"'{key}' holds {tensor.dtype}, expected {(key == ReferenceStateDictMapping.AttentionMaskKey ? "Bool" : "a floating-point type")}");
            }
        }

        if (missing.Count == 0 && unexpected.Count == 0 && wrong.Count == 0)
        {
            return;
        }

        var message = new StringBuilder($"'{path}' is not the state dict of a generative-recommenders {modelName} with these hyper-parameters:");
        if (LooksLikeOurLayout(state.Keys))
        {
            message.Append(" its keys ('input.item_emb', 'blocks.0...') are those of a Microsoft.ML.GenerativeRec module, not of the reference; " +
                           "write reference files with ExportToReference.");
        }

        Append(message, "missing", missing);
        Append(message, "unexpected", unexpected);
        Append(message, "wrong", wrong);
        if (wrong.Count > 0)
        {
            message.Append(" Check the hyper-parameter file (embedding_dim, num_heads, attention_dim, linear_dim, ffn_hidden_dim, max_sequence_len, max_output_len).");
        }

        throw new InvalidDataException(message.ToString());
    }

    private static bool Matches(long[] actual, long[] expected)
        => actual.Length == expected.Length && actual.Zip(expected).All(p => p.Second < 0 || p.First == p.Second);

    private static bool LooksLikeOurLayout(IEnumerable<string> keys)
        => keys.Any(k => k.StartsWith("input.", StringComparison.Ordinal) || k.StartsWith("blocks.", StringComparison.Ordinal));

    private static void Append(StringBuilder message, string what, List<string> items)
    {
        if (items.Count == 0)
        {
            return;
        }

        bool keys = what != "wrong";
        message.Append($" {items.Count} {what} {(keys ? "key" : "tensor")}{(items.Count == 1 ? "" : "s")}: ");
        message.AppendJoin(keys ? ", " : "; ", items.Take(MaxKeysListed).Select(k => keys ? $"'{k}'" : k));
        if (items.Count > MaxKeysListed)
        {
            message.Append($" and {items.Count - MaxKeysListed} more");
        }

        message.Append('.');
    }
}
