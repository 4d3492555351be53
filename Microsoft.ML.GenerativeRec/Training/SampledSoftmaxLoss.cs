using Microsoft.ML.GenerativeRec.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.GenerativeRec.Training;

/// <summary>The autoregressive sampled-softmax loss of hstu-spec.md §5.3, with the negative samplers of <see cref="NegativeSampling"/>.</summary>
/// <remarks>
/// <para>
/// For each supervised token t with user vector u_t (already L2-normalised by the encoder) and positive id p_t, the
/// loss is −log softmax([s⁺, s⁻_1..s⁻_K])[0] with s⁺ = ⟨u_t, normalize(E[p_t])⟩/τ and s⁻_r = ⟨u_t, normalize(E[n_r])⟩/τ,
/// τ = 0.05; a negative with n_r = p_t gets logit −5·10⁴ instead (not divided by τ). The batch loss is the mean over
/// all T tokens. Item rows are normalised as x / max(‖x‖, 10⁻⁶). Row 0 of E (padding) is never a negative.
/// </para>
/// <para>
/// <see cref="NegativeSampling.PerPosition"/> has two implementations with the same value and gradients (up to float
/// rounding). Both gather the positive and the R negatives of a token as one [1 + R] row of ids and process the tokens
/// in chunks of C rows, so that no temporary (nor its gradient) exceeds about <see cref="ChunkElements"/> floats: a
/// whole [T, V] or [T·R, D] tensor is hundreds of MB, and on CPU allocating and page-faulting it (4 KB pages, zeroed
/// by the kernel) cost more than the arithmetic (docs/benchmarks.md, "Where the step time goes"). The gather path
/// gathers the sampled rows [C, 1 + R, D] and multiplies them by u with one bmm (traffic ∝ T·R·D); it normalises the
/// table before gathering when V ≤ T·R (normalisation is row-wise, and this avoids normalising, forward and backward,
/// T·R copies), else the gathered rows. The full-catalogue path normalises the whole table once, computes the dot
/// products [C, V] with one matmul per chunk and gathers the sampled columns (compute ∝ T·V·D). Issue #5 measured, on
/// 2 CPU cores at T ≈ 13,600, D = 50, R = 128, V = 3,707 (ML-1M), about 2.4 s per step including backward for a gather
/// path that normalises the gathered rows and 0.57 s for the full-catalogue path; the full-catalogue path lost once
/// V/R exceeded about 45 (both measured before chunking). So it is used when V ≤ 32·R (compute)
/// and T·V is at most <c>fullCatalogueElementLimit</c> (by default unlimited, <see cref="DefaultFullCatalogueElementLimit"/>):
/// ML-1M batches take it (V ≈ 29·R), ML-20M and Amazon Books gather.
/// </para>
/// <para>
/// <see cref="NegativeSampling.AllItems"/> is the full softmax: the same loss with every item 1..V−1 in the softmax (the
/// positive once) and nothing sampled.
/// </para>
/// <para>
/// The loss is returned as computed: a non-finite value is not clamped or replaced; checking it is the caller's job.
/// </para>
/// </remarks>
internal sealed class SampledSoftmaxLoss
{
    /// <summary>The default largest T·V for which the per-position loss takes the full-catalogue path.</summary>
    /// <remarks>
    /// No limit: the loss works in chunks of <see cref="ChunkElements"/>, so its memory no longer grows with T·V, and
    /// both paths cost ∝ T, so only V/R decides. (A former 2²⁶ limit sent ML-1M batches with T > 18,000 to the slower
    /// gather path.)
    /// </remarks>
    internal const long DefaultFullCatalogueElementLimit = long.MaxValue;

    /// <summary>τ of the reference, dividing the cosine logits (hstu-spec.md §5.1).</summary>
    internal const double DefaultTemperature = 0.05;
    private const double CollisionLogit = -5e4;              // hstu-spec.md §5.3, set directly, not divided by τ
    private const long FirstItemId = 1;                      // row 0 of the item table is padding
    private const long FullCatalogueMaxItemsPerNegative = 32; // measured CPU crossover ≈ 45 (remarks above)

    private readonly double _temperature;                     // τ, dividing the cosine logits
    private readonly int _numberOfNegatives;                  // R per token (per batch when shared)
    private readonly NegativeSampling _sampling;
    private readonly long _fullCatalogueElementLimit;

    /// <summary>The default number of floats per chunk of tokens in the per-position loss (16 MB).</summary>
    internal const long DefaultChunkElements = 1L << 22;

    /// <summary>Gets the number of floats (C·V, or C·(1 + R)·D when gathering) per chunk of C tokens in the per-position loss.</summary>
    /// <remarks>Only the speed depends on it (rows are independent); tests set it small to exercise several chunks.</remarks>
    internal long ChunkElements { get; init; } = DefaultChunkElements;

    /// <summary>Creates the loss for <paramref name="numberOfNegatives"/> negatives per token, drawn as <paramref name="sampling"/> says.</summary>
    /// <param name="numberOfNegatives">R, at least 1: 128 for MovieLens, 512 for Amazon Books (hstu-spec.md §5.1). Ignored by <see cref="NegativeSampling.InBatch"/> and <see cref="NegativeSampling.AllItems"/>.</param>
    /// <param name="sampling">How negatives are chosen; the reference is <see cref="NegativeSampling.PerPosition"/>.</param>
    /// <param name="fullCatalogueElementLimit">The largest T·V for which <see cref="NegativeSampling.PerPosition"/> may compute all logits (it also needs V ≤ 32·R); 0 always gathers.</param>
    /// <param name="temperature">τ, positive: 0.05 in the reference (hstu-spec.md §5.1).</param>
    /// <exception cref="ArgumentOutOfRangeException">An argument is out of its range.</exception>
    public SampledSoftmaxLoss(int numberOfNegatives, NegativeSampling sampling = NegativeSampling.PerPosition,
        long fullCatalogueElementLimit = DefaultFullCatalogueElementLimit, double temperature = DefaultTemperature)
    {
        if (!double.IsFinite(temperature) || temperature <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "The softmax temperature must be positive and finite.");
        }
        if (numberOfNegatives <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(numberOfNegatives), numberOfNegatives,
                "The number of negatives per token must be at least 1 (the reference uses 128 for MovieLens).");
        }
        if (!Enum.IsDefined(sampling))
            throw new ArgumentOutOfRangeException(nameof(sampling), sampling, "Not a NegativeSampling value.");
        if (fullCatalogueElementLimit < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(fullCatalogueElementLimit), fullCatalogueElementLimit,
                "Must be 0 (always gather the sampled rows) or positive.");
        }
        _temperature = temperature;
        _numberOfNegatives = numberOfNegatives;
        _sampling = sampling;
        _fullCatalogueElementLimit = fullCatalogueElementLimit;
    }

    /// <summary>Samples negatives with <paramref name="generator"/> and returns the mean loss over the T supervised tokens.</summary>
    /// <param name="userVectors">u: [T, D] float, L2-normalised.</param>
    /// <param name="positiveIds">[T] int64, each in 1..V−1, on the device of <paramref name="userVectors"/>.</param>
    /// <param name="itemEmbeddings">E: [V, D], row 0 padding.</param>
    /// <param name="generator">The source of the negatives; unused by <see cref="NegativeSampling.InBatch"/> and <see cref="NegativeSampling.AllItems"/>.</param>
    /// <returns>[] scalar, attached to the graph of <paramref name="userVectors"/> and <paramref name="itemEmbeddings"/>.</returns>
    /// <exception cref="ArgumentException">The shapes or dtypes don't match, T is 0, or V is below 2.</exception>
    public Tensor Compute(Tensor userVectors, Tensor positiveIds, Tensor itemEmbeddings, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(generator);
        ValidateInputs(userVectors, positiveIds, itemEmbeddings);
        if (_sampling == NegativeSampling.AllItems)
            return ComputeAllItems(userVectors, positiveIds, itemEmbeddings);

        using var scope = NewDisposeScope();
        if (_sampling == NegativeSampling.InBatch)                                           // the batch's distinct positives, K ≤ T
            return ComputeShared(userVectors, positiveIds, itemEmbeddings, positiveIds.unique(sorted: true).output).MoveToOuterDisposeScope();
        long[] shape = _sampling == NegativeSampling.PerPosition ? [userVectors.shape[0], _numberOfNegatives] : [_numberOfNegatives];
        var negativeIds = SampleNegatives(shape, itemEmbeddings.shape[0], generator, itemEmbeddings.device);    // [T, R] or [R] int64
        return Compute(userVectors, positiveIds, itemEmbeddings, negativeIds).MoveToOuterDisposeScope();
    }

    /// <summary>Returns the loss for pre-drawn negatives: [T, R] ids for <see cref="NegativeSampling.PerPosition"/>, [R] for <see cref="NegativeSampling.SharedAcrossBatch"/>.</summary>
    /// <param name="userVectors">u: [T, D] float, L2-normalised.</param>
    /// <param name="positiveIds">[T] int64, each in 1..V−1.</param>
    /// <param name="itemEmbeddings">E: [V, D], row 0 padding.</param>
    /// <param name="negativeIds">[T, R] or [R] int64 (R may differ from the constructor's), each in 1..V−1.</param>
    /// <returns>[] scalar mean loss.</returns>
    /// <exception cref="InvalidOperationException">The sampling is <see cref="NegativeSampling.InBatch"/>, which draws nothing.</exception>
    internal Tensor Compute(Tensor userVectors, Tensor positiveIds, Tensor itemEmbeddings, Tensor negativeIds)
    {
        ValidateInputs(userVectors, positiveIds, itemEmbeddings);
        return _sampling switch
        {
            NegativeSampling.PerPosition => ComputePerPosition(userVectors, positiveIds, itemEmbeddings, negativeIds,
                UsesFullCatalogue(userVectors.shape[0], itemEmbeddings.shape[0])),
            NegativeSampling.SharedAcrossBatch => ComputeShared(userVectors, positiveIds, itemEmbeddings, negativeIds),
            _ => throw new InvalidOperationException(
                $"{nameof(NegativeSampling)}.{_sampling} draws no negatives; call the overload without negative ids."),
        };
    }

    /// <summary>Gets whether the per-position loss computes all T·V logits rather than gathering the T·R sampled rows.</summary>
    internal bool UsesFullCatalogue(long tokens, long items)
        => tokens * items <= _fullCatalogueElementLimit && items <= FullCatalogueMaxItemsPerNegative * _numberOfNegatives;

    /// <summary>Draws ids uniformly with replacement from 1..<paramref name="items"/>−1, never 0 (padding).</summary>
    /// <param name="shape">[T, R] per position or [R] shared.</param>
    /// <param name="items">V, the rows of the item table including padding; at least 2.</param>
    /// <param name="generator">The random source; sampling runs on its device.</param>
    /// <param name="device">Where the ids are needed.</param>
    /// <returns><paramref name="shape"/> int64 on <paramref name="device"/>.</returns>
    internal static Tensor SampleNegatives(long[] shape, long items, Generator generator, Device device)
    {
        ArgumentNullException.ThrowIfNull(generator);
        if (items < FirstItemId + 1)
            throw new ArgumentException($"The item table has {items} rows: it needs padding plus at least one item.", nameof(items));
        var ids = randint(FirstItemId, items, shape, dtype: ScalarType.Int64, device: generator.device, generator: generator);
        if (generator.device.type == device.type && generator.device.index == device.index)
            return ids;
        using (ids)
            return ids.to(device);
    }

    /// <summary>The reference loss with each token's own negatives, by either implementation.</summary>
    /// <param name="userVectors">u: [T, D].</param>
    /// <param name="positiveIds">[T] int64.</param>
    /// <param name="itemEmbeddings">E: [V, D].</param>
    /// <param name="negativeIds">[T, R] int64.</param>
    /// <param name="fullCatalogue">True to compute all [T, V] logits and gather, false to gather [T, R, D] rows.</param>
    /// <param name="tokenWeights">
    /// Optional [T] float weights: the loss is then Σ w_t·ℓ_t / Σ w_t. The padded-batch benchmark passes 0 at padding
    /// positions, whose logits it computes and then discards as a padded implementation would.
    /// </param>
    /// <returns>[] scalar mean loss.</returns>
    internal Tensor ComputePerPosition(Tensor userVectors, Tensor positiveIds, Tensor itemEmbeddings, Tensor negativeIds,
        bool fullCatalogue, Tensor? tokenWeights = null)
    {
        ValidateInputs(userVectors, positiveIds, itemEmbeddings);
        ValidateIds(negativeIds, nameof(negativeIds), [userVectors.shape[0], -1]);
        using var scope = NewDisposeScope();
        long tokens = negativeIds.shape[0], negatives = negativeIds.shape[1], width = itemEmbeddings.shape[1];
        long items = itemEmbeddings.shape[0];
        var ids = cat([positiveIds.unsqueeze(1), negativeIds], 1);                           // [T, 1 + R] int64
        // Chunks of C tokens keep every temporary (and its gradient) near ChunkElements floats (class remarks).
        long perToken = fullCatalogue ? items : (1 + negatives) * width;
        long chunkTokens = Math.Clamp(ChunkElements / perToken, 1, tokens);
        // Normalisation is row-wise: normalising the table once is cheaper than normalising T·R gathered rows when V ≤ T·R.
        var table = fullCatalogue || items <= tokens * negatives ? L2Norm.Normalize(itemEmbeddings) : null;   // [V, D]
        var parts = new List<Tensor>();
        for (long start = 0; start < tokens; start += chunkTokens)
        {
            long count = Math.Min(chunkTokens, tokens - start);
            var users = userVectors.narrow(0, start, count);                                 // [C, D]
            var chunkIds = ids.narrow(0, start, count);                                      // [C, 1 + R] int64
            if (fullCatalogue)
            {
                parts.Add(users.matmul(table!.t()).gather(1, chunkIds));                     // [C, V] → [C, 1 + R]
            }
            else
            {
                var flatIds = chunkIds.reshape(-1);                                          // [C·(1 + R)] int64
                var rows = table is null ? L2Norm.Normalize(itemEmbeddings.index_select(0, flatIds)) : table.index_select(0, flatIds);
                parts.Add(rows.view(count, 1 + negatives, width)                             // [C, 1 + R, D]
                    .bmm(users.unsqueeze(2)).squeeze(2));                                    // [C, 1 + R]
            }
        }

        var dots = parts.Count == 1 ? parts[0] : cat(parts, 0);                              // [T, 1 + R]
        var collisions = negativeIds.eq(positiveIds.unsqueeze(1));                           // [T, R] bool
        return MeanNegativeLogSoftmax(dots.narrow(1, 0, 1), dots.narrow(1, 1, negatives), collisions, tokenWeights).MoveToOuterDisposeScope();
    }

    // One set of negatives for all tokens: ids [K] int64 (sampled, or the batch's distinct positives).
    private Tensor ComputeShared(Tensor userVectors, Tensor positiveIds, Tensor itemEmbeddings, Tensor negativeIds)
    {
        ValidateIds(negativeIds, nameof(negativeIds), [-1]);
        using var scope = NewDisposeScope();
        var positives = L2Norm.Normalize(itemEmbeddings.index_select(0, positiveIds));              // [T, D]
        var positiveDots = (userVectors * positives).sum(1, keepdim: true);                  // [T, 1]
        var negatives = L2Norm.Normalize(itemEmbeddings.index_select(0, negativeIds));              // [K, D]
        var negativeDots = userVectors.matmul(negatives.t());                                // [T, K]
        var collisions = negativeIds.unsqueeze(0).eq(positiveIds.unsqueeze(1));              // [T, K] bool
        return MeanNegativeLogSoftmax(positiveDots, negativeDots, collisions).MoveToOuterDisposeScope();
    }

    // The full softmax: every item 1..V−1 is a candidate, the positive among them, so no collision mask is needed.
    // Chunks of C tokens keep the [C, V − 1] logits and their gradient near ChunkElements floats.
    private Tensor ComputeAllItems(Tensor userVectors, Tensor positiveIds, Tensor itemEmbeddings)
    {
        using var scope = NewDisposeScope();
        long tokens = userVectors.shape[0], items = itemEmbeddings.shape[0];
        var table = L2Norm.Normalize(itemEmbeddings.narrow(0, FirstItemId, items - FirstItemId));    // [V − 1, D]
        using var firstItemId = FirstItemId.ToScalar();                 // explicit Scalars: none is left to the finalizer
        var targets = positiveIds.sub(firstItemId);                                                    // [T] int64, column of the positive
        long chunkTokens = Math.Clamp(ChunkElements / (items - FirstItemId), 1, tokens);
        using var temperature = _temperature.ToScalar();
        using var tokenCount = tokens.ToScalar();
        var sums = new List<Tensor>();
        for (long start = 0; start < tokens; start += chunkTokens)
        {
            long count = Math.Min(chunkTokens, tokens - start);
            var logits = userVectors.narrow(0, start, count).matmul(table.t()).div(temperature);       // [C, V − 1]
            sums.Add(nn.functional.cross_entropy(logits, targets.narrow(0, start, count), reduction: nn.Reduction.Sum));
        }

        var total = sums.Count == 1 ? sums[0] : stack(sums).sum();
        return total.div(tokenCount).MoveToOuterDisposeScope();
    }

    // dots are raw ⟨u, ê⟩; collisions [T, K] bool marks negatives equal to the row's positive; weights [T] or null.
    // Returns [] scalar.
    private Tensor MeanNegativeLogSoftmax(Tensor positiveDots, Tensor negativeDots, Tensor collisions, Tensor? weights = null)
    {
        using var temperature = _temperature.ToScalar();            // explicit Scalars: none is left to the finalizer
        using var collisionLogit = CollisionLogit.ToScalar();
        var negativeLogits = negativeDots.div(temperature).masked_fill(collisions, collisionLogit);  // [T, K]
        var logits = cat([positiveDots.div(temperature), negativeLogits], 1);                       // [T, 1 + K]
        var logLikelihood = logits.log_softmax(1).select(1, 0);                                     // [T]
        return weights is null ? logLikelihood.mean().neg() : logLikelihood.mul(weights).sum().div(weights.sum()).neg();
    }

    private static void ValidateInputs(Tensor userVectors, Tensor positiveIds, Tensor itemEmbeddings)
    {
        ArgumentNullException.ThrowIfNull(userVectors);
        ArgumentNullException.ThrowIfNull(itemEmbeddings);
        if (userVectors.dim() != 2 || userVectors.shape[0] == 0)
        {
            throw new ArgumentException(
                $"User vectors must be [T, D] with T ≥ 1 supervised tokens; got [{string.Join(", ", userVectors.shape)}].",
                nameof(userVectors));
        }
        if (itemEmbeddings.dim() != 2 || itemEmbeddings.shape[1] != userVectors.shape[1] || itemEmbeddings.shape[0] < FirstItemId + 1)
        {
            throw new ArgumentException(
                $"The item table must be [V, D] with V ≥ 2 and D = {userVectors.shape[1]} (the user vectors' width); " +
                $"got [{string.Join(", ", itemEmbeddings.shape)}].", nameof(itemEmbeddings));
        }
        ValidateIds(positiveIds, nameof(positiveIds), [userVectors.shape[0]]);
    }

    // expected: the required shape, -1 for a free (but non-zero) dimension.
    private static void ValidateIds(Tensor ids, string name, long[] expected)
    {
        ArgumentNullException.ThrowIfNull(ids, name);
        bool shapeMatches = ids.dim() == expected.Length
            && expected.Select((size, i) => size == -1 ? ids.shape[i] > 0 : ids.shape[i] == size).All(ok => ok);
        if (ids.dtype != ScalarType.Int64 || !shapeMatches)
        {
            throw new ArgumentException(
                $"'{name}' must be int64 of shape [{string.Join(", ", expected.Select(s => s == -1 ? "R" : s.ToString()))}] " +
                $"(R ≥ 1); got {ids.dtype} [{string.Join(", ", ids.shape)}].", name);
        }
    }
}
