using Microsoft.ML.GenerativeRec.Modeling;

namespace Microsoft.ML.GenerativeRec.Interop;

/// <summary>How one tensor of ours is stored in the reference's state dict.</summary>
internal enum ReferenceLayout
{
    /// <summary>The same shape and values.</summary>
    Same,

    /// <summary>A 1×1 <c>Conv1d</c> weight: ours [out, in], the reference's [out, in, 1].</summary>
    TrailingKernel,

    /// <summary>The item table: ours one row per vocabulary index, the reference's one row per raw integer id (row 0 = padding).</summary>
    ItemTable,
}

/// <summary>One tensor of ours and its key and shape in the reference's state dict.</summary>
/// <param name="Key">Our state-dict key (the component names of <see cref="StackedEncoder{TBlock}"/> and its blocks).</param>
/// <param name="ReferenceKey">The key in generative-recommenders' <c>model.state_dict()</c>.</param>
/// <param name="ReferenceShape">The reference's shape; −1 where any size is accepted (the item table's rows).</param>
/// <param name="Layout">How values move between the two.</param>
internal sealed record ReferenceTensor(string Key, string ReferenceKey, long[] ReferenceShape, ReferenceLayout Layout);

/// <summary>
/// The key-by-key correspondence between our encoders' state dicts and those of generative-recommenders'
/// <c>HSTU</c> and <c>SASRec</c> modules (<c>research/modeling/sequential/hstu.py</c>, <c>sasrec.py</c>).
/// </summary>
/// <remarks>
/// <para>
/// Verified against the reference code (hstu-spec.md §0, GR <c>db1bf8f</c>): the embedding module holds
/// <c>_item_emb</c> (<c>nn.Embedding(max_item_id + 1, D, padding_idx=0)</c>), the input preprocessor <c>_pos_emb</c>
/// (N rows), HSTU's <c>HSTUJagged</c> the <c>_attention_layers</c> list of <c>SequentialTransductionUnitJagged</c>
/// (<c>_uvqk</c> [D, 2·H·dv + 2·H·dqk] applied as x·W, like ours; <c>_rel_attn_bias._ts_w</c>, <c>._pos_w</c>;
/// <c>_o</c>), and SASRec the lists <c>attention_layers</c> (<c>torch.nn.MultiheadAttention</c>) and
/// <c>forward_layers</c> (<c>_conv1d</c>, a Sequential whose modules 0 and 3 are the 1×1 convolutions). The output
/// post-processor (L2 norm), the similarity module (dot product) and the dropouts have no tensors. Both models
/// register a persistent causal mask <c>_attn_mask</c> [N, N] bool, which we never read but write and check so that
/// <c>load_state_dict(strict=True)</c> accepts our files.
/// </para>
/// <para>
/// Our SASRec block has no affine layer norms (the reference calls <c>F.layer_norm</c> without weights), so every
/// key of ours has exactly one counterpart; <see cref="ForEncoder"/> is checked against a live module's keys by the tests.
/// </para>
/// </remarks>
internal sealed class ReferenceStateDictMapping
{
    /// <summary>The reference's causal mask buffer: [N, N] bool, true above the diagonal.</summary>
    public const string AttentionMaskKey = "_attn_mask";

    /// <summary>The prefix <c>DistributedDataParallel</c> puts before every key of the reference's training checkpoints.</summary>
    public const string DistributedPrefix = "module.";

    private ReferenceStateDictMapping(IReadOnlyList<ReferenceTensor> tensors, long paddedLength)
    {
        Tensors = tensors;
        PaddedLength = paddedLength;
    }

    /// <summary>Every tensor of ours that the reference stores, in the reference's <c>state_dict()</c> order.</summary>
    public IReadOnlyList<ReferenceTensor> Tensors { get; }

    /// <summary>N, the side of <see cref="AttentionMaskKey"/>.</summary>
    public long PaddedLength { get; }

    /// <summary>Every key the reference's state dict holds: <see cref="Tensors"/> and the mask.</summary>
    public IEnumerable<string> ReferenceKeys => Tensors.Select(t => t.ReferenceKey).Prepend(AttentionMaskKey);

    /// <summary>The mapping of an encoder of <paramref name="kind"/> and <paramref name="shape"/>.</summary>
    /// <param name="kind">HSTU or SASRec.</param>
    /// <param name="shape">The encoder's sizes.</param>
    /// <param name="relativeBias">False for a reference HSTU built with <c>enable_relative_attention_bias=False</c>, whose blocks have no bias tensors.</param>
    public static ReferenceStateDictMapping ForEncoder(EncoderKind kind, EncoderShape shape, bool relativeBias = true)
    {
        long d = shape.EmbeddingDimension;
        long n = shape.PaddedLength;
        var tensors = new List<ReferenceTensor>
        {
            new("input.item_emb", "_embedding_module._item_emb.weight", [-1, d], ReferenceLayout.ItemTable),
            new("input.pos_emb", "_input_features_preproc._pos_emb.weight", [n, d], ReferenceLayout.Same),
        };
        var blocks = Enumerable.Range(0, shape.NumberOfBlocks);
        if (kind == EncoderKind.Hstu)
        {
            tensors.AddRange(blocks.SelectMany(b => HstuBlock(b, shape, relativeBias)));
        }
        else
        {
            // SASRec's state dict lists every attention layer, then every feed-forward layer.
            tensors.AddRange(blocks.SelectMany(b => SasRecAttention(b, shape)));
            tensors.AddRange(blocks.SelectMany(b => SasRecFeedForward(b, shape)));
        }

        return new ReferenceStateDictMapping(tensors, n);
    }

    private static IEnumerable<ReferenceTensor> HstuBlock(int b, EncoderShape shape, bool relativeBias)
    {
        long d = shape.EmbeddingDimension;
        long h = shape.NumberOfHeads;
        string ours = $"blocks.{b}.";
        string theirs = $"_hstu._attention_layers.{b}.";
        yield return new(ours + "uvqk", theirs + "_uvqk", [d, (2 * h * shape.ValueDimension) + (2 * h * shape.QueryKeyDimension)], ReferenceLayout.Same);
        if (relativeBias)
        {
            yield return new(ours + "rel_attn_bias.ts_w", theirs + "_rel_attn_bias._ts_w", [RelativeAttentionBias.NumberOfBuckets + 1], ReferenceLayout.Same);
            yield return new(ours + "rel_attn_bias.pos_w", theirs + "_rel_attn_bias._pos_w", [(2 * shape.PaddedLength) - 1], ReferenceLayout.Same);
        }

        yield return new(ours + "o.weight", theirs + "_o.weight", [d, h * shape.ValueDimension], ReferenceLayout.Same);
        yield return new(ours + "o.bias", theirs + "_o.bias", [d], ReferenceLayout.Same);
    }

    private static IEnumerable<ReferenceTensor> SasRecAttention(int b, EncoderShape shape)
    {
        long d = shape.EmbeddingDimension;
        string ours = $"blocks.{b}.";
        string theirs = $"attention_layers.{b}.";
        yield return new(ours + "in_proj_weight", theirs + "in_proj_weight", [3 * d, d], ReferenceLayout.Same);
        yield return new(ours + "in_proj_bias", theirs + "in_proj_bias", [3 * d], ReferenceLayout.Same);
        yield return new(ours + "out_proj.weight", theirs + "out_proj.weight", [d, d], ReferenceLayout.Same);
        yield return new(ours + "out_proj.bias", theirs + "out_proj.bias", [d], ReferenceLayout.Same);
    }

    private static IEnumerable<ReferenceTensor> SasRecFeedForward(int b, EncoderShape shape)
    {
        long d = shape.EmbeddingDimension;
        long f = shape.FeedForwardDimension;
        string ours = $"blocks.{b}.";
        string theirs = $"forward_layers.{b}._conv1d.";
        yield return new(ours + "conv1.weight", theirs + "0.weight", [f, d, 1], ReferenceLayout.TrailingKernel);
        yield return new(ours + "conv1.bias", theirs + "0.bias", [f], ReferenceLayout.Same);
        yield return new(ours + "conv2.weight", theirs + "3.weight", [d, f, 1], ReferenceLayout.TrailingKernel);
        yield return new(ours + "conv2.bias", theirs + "3.bias", [d], ReferenceLayout.Same);
    }
}
