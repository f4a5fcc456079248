/**
 * Dynamic-graph models on real data: {@link dev.quiver.examples.dynamic.TreeNN} (a binary TreeLSTM
 * on the Sentiment Treebank, one graph per tree) and {@link dev.quiver.examples.dynamic.RnnLm} (an
 * LSTM language model on Penn Treebank text, one graph per sentence). The models
 * ({@link dev.quiver.examples.dynamic.TreeLstm}, {@link dev.quiver.examples.dynamic.LstmLm}) are
 * also what the JMH benchmarks run.
 */
package dev.quiver.examples.dynamic;
