# Ticket list
tickets-title = Tickets
tickets-empty = Aucun ticket pour l’instant.
tickets-col-id = Numéro
tickets-col-title = Titre
tickets-col-status = Statut
tickets-col-priority = Priorité
tickets-col-assignee = Attribué à
tickets-col-updated = Dernière activité
pager-label = Pages
pager-previous = Page précédente
pager-next = Page suivante
pager-position = Page { $page }

# Ticket forms
ticket-new-title = Créer un ticket
ticket-field-title = Titre
ticket-field-body = Description (Markdown)
ticket-field-body-reply = Votre réponse (Markdown)
ticket-field-priority = Priorité
ticket-field-category = Département / Catégorie
ticket-field-status = Statut
ticket-field-hours = Heures
ticket-field-hours-hint = Heures passées, par exemple 1,5 (deux décimales au plus).
ticket-field-files = Joindre des fichiers
ticket-field-files-hint = Types acceptés : { $extensions }. Au plus { $files } fichiers, { $size } par fichier et { $total } au total.
ticket-create-submit = Créer le ticket
ticket-preview = Aperçu
ticket-preview-title = Aperçu
ticket-preview-files-again = Un aperçu ne conserve pas les fichiers : choisissez-les de nouveau avant d’envoyer.
ticket-markdown-help = Aide Markdown
ticket-created = Le ticket a été créé.

# Ticket page
ticket-department-category = Département / Catégorie
ticket-status = Statut
ticket-priority = Priorité
ticket-assigned = Attribué à
ticket-not-assigned = Non attribué
ticket-total-hours = Total des heures
ticket-opened-by = Ouvert par { $name } le { $date }
ticket-closed-note = Ce ticket est fermé. Une réponse le rouvre.
ticket-hours = Heures : { $hours }
ticket-reply-number = Réponse n° { $n }
ticket-modified = Modifié par { $name } le { $date }
ticket-modified-no-date = Modifié par { $name }
ticket-history-link = historique des modifications
ticket-quote = Citer
ticket-edit = Modifier
ticket-attachments = Pièces jointes
ticket-wrote = { $name } a écrit le { $date } :
ticket-actions = Actions
ticket-claim = Prendre en charge
ticket-release = Libérer
ticket-close = Fermer
ticket-reopen = Rouvrir
ticket-assign-label = Attribuer à (nom d’utilisateur)
ticket-assign = Attribuer
ticket-category-label = Nouveau département / catégorie
ticket-category-change = Changer de département / catégorie
ticket-subscribers = Abonnés
ticket-no-subscribers = Personne ne suit ce ticket.
ticket-unsubscribe = Désabonner { $name }
ticket-subscribe-label = Abonner un utilisateur (nom d’utilisateur)
ticket-people-hint = Pendant la saisie, les personnes dont le nom d’utilisateur ou le nom contient le texte sont proposées.
ticket-subscribe = Abonner
ticket-delete = Supprimer le ticket
ticket-delete-warning = Le ticket sera supprimé définitivement, avec ses réponses, ses pièces jointes et son historique.
ticket-delete-post = Supprimer la réponse
ticket-delete-post-warning = La réponse sera supprimée définitivement, avec ses pièces jointes et son historique.
ticket-delete-password = Votre mot de passe, pour confirmer
ticket-replies = Réponses
ticket-no-replies = Aucune réponse pour l’instant.
ticket-reply-title = Répondre
ticket-reply-submit = Répondre
ticket-reply-close-submit = Répondre et fermer

# Edit pages
ticket-edit-title = Modifier le ticket n° { $id }
ticket-edit-post-title = Modifier une réponse au ticket n° { $id }
ticket-edit-submit = Enregistrer
ticket-remove-files = Retirer des pièces jointes
ticket-remove-file = Retirer { $name }

# History
history-ticket-title = Historique des modifications du ticket n° { $id }
history-post-title = Historique des modifications d’une réponse au ticket n° { $id }
history-entry = Texte initial de { $name } (remplacé le { $date }) :
history-empty = Le contenu n’a pas été modifié.
history-back = Retour au ticket

# Results
ticket-replied = Votre réponse a été publiée.
ticket-replied-closed = Votre réponse a été publiée et le ticket fermé.
ticket-edited = Le ticket a été mis à jour.
ticket-post-edited = La réponse a été mise à jour.
ticket-claimed = Vous avez pris le ticket en charge.
ticket-released = Le ticket a été libéré.
ticket-assigned-done = Le ticket a été attribué.
ticket-closed = Le ticket a été fermé.
ticket-reopened = Le ticket a été rouvert.
ticket-category-changed = Le département / la catégorie a été changé(e).
ticket-subscribed = L’utilisateur a été abonné.
ticket-unsubscribed = L’utilisateur a été désabonné.
ticket-deleted = Le ticket a été supprimé.
ticket-post-deleted = La réponse a été supprimée.
ticket-wrong-password = Mot de passe incorrect : rien n’a été supprimé.

# Refusals
ticket-error-body-length = Le texte doit compter de 5 à 10 000 caractères.
ticket-error-hours = Les heures doivent être un nombre de 0 à 99999,99, avec deux décimales au plus.
ticket-error-category = Veuillez choisir un département / une catégorie existant(e).
ticket-error-priority = Veuillez choisir une priorité existante.
ticket-error-status = Veuillez choisir un statut existant autre que Fermé.
ticket-error-closed = Ce ticket est fermé.
ticket-error-not-closed = Ce ticket n’est pas fermé.
ticket-error-not-assigned = Ce ticket n’est attribué à personne.
ticket-error-unknown-user = Aucun utilisateur actif ne porte ce nom d’utilisateur.
ticket-error-too-many-files = Trop de pièces jointes : retirez-en d’abord.
ticket-error-bad-form = Le formulaire n’a pas pu être lu. Veuillez réessayer.
ticket-error-field-too-long = Un champ du formulaire est beaucoup trop long.
ticket-claim-already = Ce ticket vous est déjà attribué.
ticket-assign-already = Ce ticket est déjà attribué à cet utilisateur.
ticket-category-unchanged = Le ticket est déjà dans ce département / cette catégorie.
ticket-subscribe-already = Cet utilisateur est déjà abonné.
ticket-unsubscribe-not-subscribed = Cet utilisateur n’est pas abonné.
upload-error-file-too-large = Un fichier est trop volumineux : la limite est de { $value } par fichier.
upload-error-request-too-large = Les fichiers sont trop volumineux ensemble : la limite est de { $value } au total.
upload-error-extension = Ce type de fichier n’est pas accepté (un fichier doit avoir l’une de ces extensions : { $value }).
upload-error-too-many = Trop de fichiers : { $value } au plus à la fois.

# Activity
activity-opened = Ticket ouvert par { $actor }
activity-reopened = Ticket rouvert par { $actor }
activity-assign = Ticket attribué à { $recipient } par { $actor }
activity-claim = Ticket pris en charge par { $actor }
activity-status = Statut du ticket changé en « { $value } » par { $actor }
activity-priority = Priorité du ticket changée en « { $value } » par { $actor }
activity-release = Ticket libéré par { $actor }
activity-close = Ticket fermé par { $actor }
activity-department-category = Ticket déplacé vers « { $value } » par { $actor }
activity-subscribe = { $recipient } abonné(e) au ticket par { $actor }
activity-unsubscribe = { $recipient } désabonné(e) du ticket par { $actor }
activity-deleted-user = un utilisateur supprimé

# Markdown help
help-markdown-title = Aide Markdown
help-markdown-intro = Les tickets et les réponses s’écrivent en Markdown. Le HTML n’est pas accepté : il est retiré à l’affichage.
help-md-what = Pour obtenir
help-md-type = Tapez
help-md-result = Résultat
help-md-heading = Des titres
help-md-paragraph = Des paragraphes (laissez une ligne vide)
help-md-emphasis = Gras, italique, barré
help-md-link = Un lien
help-md-list = Une liste
help-md-ordered = Une liste numérotée
help-md-quote = Une citation
help-md-code = Du code dans une phrase
help-md-block = Un bloc de code
help-md-table = Un tableau
help-md-rule = Un trait horizontal
